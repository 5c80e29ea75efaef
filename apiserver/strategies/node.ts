/** Nodes: status may be set on create (the kubelet registers with its capacity). */
import type { NodeSpec } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { validateNodeStatus } from "./status-rules.js";
import { age, ageOf, arr, col, name, rec } from "../../lib/printers/printer.js";
import type { Strategy } from "./strategy.js";

export const nodeStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    columns: [name, col("Status"), col("Roles"), age, col("Version"), col("Internal-IP", 1)],
    cells: (o) => {
      const st = rec(o.status);
      const ready = arr(st.conditions).find((c) => c.type === "Ready");
      let status = ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown";
      if (rec(o.spec).unschedulable === true) status += ",SchedulingDisabled";
      const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith("node-role.kubernetes.io/")).map((k) => k.slice(24)).join(",") || "<none>";
      const ip = arr(st.addresses).find((a) => a.type === "InternalIP");
      return [o.metadata.name ?? "", status, roles, ageOf(o), String(rec(st.nodeInfo).kubeletVersion ?? ""), String(ip?.address ?? "<none>")];
    },
  },
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
