/** The default table for each kind; kinds without one get NAME AGE. */
import { since } from "../../../lib/human-duration.js";
import { printerFor } from "../../../lib/printers/index.js";
import type { Printer } from "../../../lib/printers/printer.js";
import { configMapColumns, secretColumns } from "./config.js";
import { leaseColumns, namespaceColumns, nodeColumns } from "./cluster.js";
import { eventColumns } from "./event.js";
import { podColumns } from "./pod.js";
import { endpointsColumns, serviceColumns } from "./service.js";
import type { Columns } from "./types.js";
import { deploymentColumns, replicaSetColumns } from "./workloads.js";

export type { Columns } from "./types.js";

const BY_KIND: Record<string, Columns> = {
  Pod: podColumns,
  Deployment: deploymentColumns,
  ReplicaSet: replicaSetColumns,
  Service: serviceColumns,
  Endpoints: endpointsColumns,
  Node: nodeColumns,
  Namespace: namespaceColumns,
  ConfigMap: configMapColumns,
  Secret: secretColumns,
  Event: eventColumns,
  Lease: leaseColumns,
};

const genericColumns: Columns = {
  headers: ["NAME", "AGE"],
  wide: [],
  row: (obj, now) => [obj.metadata.name ?? "", since(obj.metadata.creationTimestamp, now)],
};

/** A lib printer as CLI columns: priority 0 columns by default, priority 1 added by `-o wide`. */
function fromPrinter(p: Printer): Columns {
  const header = (n: string) => n.toUpperCase();
  return {
    headers: p.columns.filter((c) => c.priority === 0).map((c) => header(c.name)),
    wide: p.columns.filter((c) => c.priority > 0).map((c) => header(c.name)),
    row: (obj, now, wide) => {
      const cells = p.cells(obj, now).map(String);
      return [...cells.filter((_, i) => p.columns[i]!.priority === 0), ...(wide ? cells.filter((_, i) => p.columns[i]!.priority > 0) : [])];
    },
  };
}

/** The columns for a kind: the CLI's own, else the kind's lib printer, else NAME AGE. */
export function columnsFor(kind: string): Columns {
  const own = BY_KIND[kind];
  if (own) return own;
  const p = printerFor(kind);
  return p ? fromPrinter(p) : genericColumns;
}
