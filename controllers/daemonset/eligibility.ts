/**
 * Which nodes should run a DaemonSet's pod (Kubernetes' NodeShouldRunDaemonPod, the parts kctl
 * has): the node carries every `nodeSelector` label, and the pod tolerates every NoSchedule and
 * NoExecute taint, counting the tolerations Kubernetes adds to every daemon pod (not-ready,
 * unreachable, disk/memory/pid pressure, unschedulable).
 */
import type { Node, Taint, Toleration } from "../../lib/types.js";

/** The tolerations the DaemonSet controller adds to its pods, as Kubernetes does. */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

/** Whether a daemon pod with these nodeSelector and tolerations should run on `node`. */
export function shouldRunOn(node: Node, nodeSelector: Record<string, string> | undefined, tolerations: readonly Toleration[]): boolean {
  if (node.metadata.deletionTimestamp) return false;
  for (const [k, v] of Object.entries(nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
  const all = [...tolerations, ...DAEMON_TOLERATIONS];
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule") continue;
    if (!all.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}
