/** pods: NAME READY STATUS RESTARTS AGE (wide: IP NODE NOMINATED NODE READINESS GATES) */
import type { Pod } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import { podSummary } from "../../../lib/pod-summary.js";
import type { Columns } from "./types.js";

export const podColumns: Columns = {
  headers: ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
  wide: ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
  row(obj, now, wide) {
    const pod = obj as Pod;
    const s = podSummary(pod, now);
    const cells = [pod.metadata.name ?? "", s.ready, s.status, s.restarts, since(pod.metadata.creationTimestamp, now)];
    if (wide) {
      const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>";
      cells.push(ip, pod.spec?.nodeName || "<none>", pod.status?.nominatedNodeName || "<none>", "<none>");
    }
    return cells;
  },
};
