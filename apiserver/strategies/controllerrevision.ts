/**
 * ControllerRevisions (apps/v1): immutable snapshots of a workload's template that StatefulSets
 * (and later DaemonSets) keep as their history. `data` never changes; `revision` is a number >= 0.
 */
import type { KObject } from "../../lib/types.js";
import { controllerRevisionPrinter } from "../../lib/printers/apps.js";
import type { Strategy } from "./strategy.js";

export const controllerRevisionStrategy: Strategy = {
  nameRule: "subdomain",
  printer: controllerRevisionPrinter,

  validate(obj: KObject, old, errs): void {
    const r = obj as unknown as Record<string, unknown>;
    if (r.revision === undefined) errs.required("revision");
    else errs.nonNegativeInt("revision", r.revision, "int64");
    if (old && JSON.stringify((old as unknown as Record<string, unknown>).data) !== JSON.stringify(r.data)) errs.add("data", "field is immutable");
  },
};
