/**
 * Which nodes should run a DaemonSet's pod (Kubernetes' NodeShouldRunDaemonPod, the parts kctl
 * has): the node carries every `nodeSelector` label, matches the template's required node affinity, and the pod tolerates every NoSchedule and
 * NoExecute taint, counting the tolerations Kubernetes adds to every daemon pod (not-ready,
 * unreachable, disk/memory/pid pressure, unschedulable).
 */
import { nodeSelectorTermsMatch } from "../../lib/node-affinity.js";
import type { Node, NodeSelectorTerm, Taint, Toleration } from "../../lib/types.js";

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

/**
 * Whether a daemon pod with these nodeSelector and tolerations should run on `node` (a new pod
 * may start there) and should continue running there (an existing one stays): as in Kubernetes,
 * an untolerated NoSchedule taint stops new pods only, an untolerated NoExecute taint both.
 */
export function eligibility(
  node: Node,
  nodeSelector: Record<string, string> | undefined,
  tolerations: readonly Toleration[],
  requiredTerms?: readonly NodeSelectorTerm[],
): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const never = { shouldRun: false, shouldContinueRunning: false };
  if (node.metadata.deletionTimestamp) return never;
  for (const [k, v] of Object.entries(nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return never;
  if (requiredTerms && !nodeSelectorTermsMatch(requiredTerms, node.metadata.labels ?? {}, node.metadata.name ?? "")) return never;
  const all = [...tolerations, ...DAEMON_TOLERATIONS];
  let shouldRun = true;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === "PreferNoSchedule" || all.some((t) => tolerates(t, taint))) continue;
    if (taint.effect === "NoExecute") return { shouldRun: false, shouldContinueRunning: false };
    shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}
