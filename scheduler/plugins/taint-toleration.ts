/**
 * TaintToleration: every NoSchedule/NoExecute taint of the node must be tolerated by the pod
 * (PreferNoSchedule only matters to scoring, which we do not do).
 */
import type { Taint, Toleration } from "../../lib/types.js";
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";

/**
 * Kubernetes' ToleratesTaint: an empty effect matches every effect, an empty key with `Exists`
 * matches every taint, `Equal` (the default operator) also compares the value.
 */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, "key" | "value" | "effect">): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? "Equal";
  if (op === "Exists") return true;
  if (op === "Equal") return (t.value ?? "") === (taint.value ?? "");
  return false;
}

/** kube-scheduler's reason for the first taint a pod does not tolerate. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

/** Fails on the first NoSchedule/NoExecute taint the pod does not tolerate. */
export function taintToleration(pod: PodInfo, node: NodeInfo): FilterResult {
  const taints = node.taints;
  if (taints.length === 0) return null;
  outer: for (const taint of taints) {
    for (const t of pod.tolerations) if (toleratesTaint(t, taint)) continue outer;
    return [untoleratedTaintReason(taint)];
  }
  return null;
}
