/**
 * NodeResourcesFit: the pod's requests must fit in allocatable minus what the node's pods
 * (bound and assumed) already request, for cpu, memory and the pod count. Every shortfall is
 * reported, as kube-scheduler does, so that "3 Insufficient cpu, 3 Insufficient memory" can both
 * appear in one message.
 */
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_TOO_MANY_PODS = "Too many pods";
export const ERR_INSUFFICIENT_CPU = "Insufficient cpu";
export const ERR_INSUFFICIENT_MEMORY = "Insufficient memory";

// Every combination, precomputed, so that a failing node costs no allocation.
const COMBOS: readonly (readonly string[])[] = Array.from({ length: 8 }, (_, mask) =>
  reasons(
    ...[ERR_TOO_MANY_PODS, ERR_INSUFFICIENT_CPU, ERR_INSUFFICIENT_MEMORY].filter((_r, i) => (mask & (1 << i)) !== 0),
  ),
);

/** Fails with every resource the node lacks for this pod. */
export function nodeResourcesFit(pod: PodInfo, node: NodeInfo): FilterResult {
  let mask = 0;
  if (node.podCount + 1 > node.allocatable.pods) mask |= 1;
  const r = pod.requests;
  if (r.milliCpu > 0 && node.requested.milliCpu + r.milliCpu > node.allocatable.milliCpu) mask |= 2;
  if (r.memory > 0 && node.requested.memory + r.memory > node.allocatable.memory) mask |= 4;
  return mask === 0 ? null : COMBOS[mask];
}
