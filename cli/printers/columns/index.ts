/** The default table for each kind; kinds without one get NAME AGE. */
import { since } from "../../../lib/human-duration.js";
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

/** The columns for a kind. */
export function columnsFor(kind: string): Columns {
  return BY_KIND[kind] ?? genericColumns;
}
