/**
 * ControllerRevisions (apps/v1): immutable snapshots of a workload's template that StatefulSets
 * (and later DaemonSets) keep as their history. `data` never changes; `revision` is a number >= 0.
 */
import type { KObject } from "../../lib/types.js";
import { age, ageOf, col, name, num, rec } from "./printer.js";
import type { Strategy } from "./strategy.js";

export const controllerRevisionStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    columns: [name, col("Controller"), col("Revision", 0, "integer"), age],
    cells: (o) => {
      const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
      const controller = owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.split("/")[0]}/${owner.name}` : "<none>";
      return [o.metadata.name ?? "", controller, num(rec(o).revision), ageOf(o)];
    },
  },
  validate(obj: KObject, old, errs): void {
    const r = obj as unknown as Record<string, unknown>;
    if (r.revision === undefined) errs.required("revision");
    else errs.nonNegativeInt("revision", r.revision, "int64");
    if (old && JSON.stringify((old as unknown as Record<string, unknown>).data) !== JSON.stringify(r.data)) errs.add("data", "field is immutable");
  },
};
