/** The columns of Pods, as kubectl shows them. */
import { podSummary } from "../pod-summary.js";
import type { Pod } from "../types.js";
import { age, ageOf, col, name, type Printer } from "./printer.js";

/**
 * NAME READY STATUS RESTARTS AGE (wide: IP NODE NOMINATED NODE READINESS GATES). READY, STATUS
 * and RESTARTS are kubectl's printPod cells (lib/pod-summary.ts); RESTARTS is a string, as in
 * Kubernetes: `5 (2m ago)`.
 */
export const podPrinter: Printer = {
  columns: [name, col("Ready"), col("Status"), col("Restarts"), age, col("IP", 1), col("Node", 1), col("Nominated Node", 1), col("Readiness Gates", 1)],
  cells: (o, now) => {
    const pod = o as Pod;
    const s = podSummary(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>";
    // kctl has no readiness gates (pod.spec.readinessGates), so the column is always empty.
    return [pod.metadata.name ?? "", s.ready, s.status, s.restarts, ageOf(o, now), ip, pod.spec?.nodeName || "<none>", pod.status?.nominatedNodeName || "<none>", "<none>"];
  },
};
