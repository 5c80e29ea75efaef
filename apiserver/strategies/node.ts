/** Nodes: status may be set on create (the kubelet registers with its capacity). */
import type { NodeSpec } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { validateNodeStatus } from "./status-rules.js";
import { nodePrinter } from "../../lib/printers/cluster.js";
import type { Strategy } from "./strategy.js";

export const nodeStrategy: Strategy = {
  nameRule: "subdomain",
  printer: nodePrinter,
  validateStatus: validateNodeStatus,
  validate(obj, _old, errs): void {
    if (obj.spec === undefined) return;
    if (!isRecord(obj.spec)) return errs.add("spec", "must be an object");
    const s = obj.spec as NodeSpec;
    if (s.taints !== undefined) {
      if (!Array.isArray(s.taints)) return errs.add("spec.taints", "must be a list");
      s.taints.forEach((t, i) => {
        if (!isRecord(t) || !t.key) errs.required(`spec.taints[${i}].key`);
        else if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)) errs.add(`spec.taints[${i}].effect`, 'Unsupported value: must be one of "NoExecute", "NoSchedule", "PreferNoSchedule"', "FieldValueNotSupported");
      });
    }
  },
};
