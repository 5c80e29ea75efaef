/**
 * NodeResourcesFit with the MostAllocated strategy (bin-packing): a node scores higher the fuller
 * it would be with the pod, averaged over cpu and memory (weight 1 each). Requests are the
 * non-zero ones (100m / 200Mi for a container that asks for nothing), so pods without requests
 * still pack instead of all looking free.
 */
import type { NodeInfo, PodInfo } from "../types.js";

export const MAX_NODE_SCORE = 100;

function fraction(requested: number, allocatable: number): number {
  if (allocatable <= 0) return 0;
  // Non-zero defaults can push `requested` past allocatable; a full node is simply full.
  return requested >= allocatable ? 1 : requested / allocatable;
}

/** 0..100: how full the node would be (cpu and memory averaged) once the pod is on it. */
export function mostAllocated(pod: PodInfo, node: NodeInfo): number {
  const cpu = fraction(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, node.allocatable.milliCpu);
  const mem = fraction(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
  return ((cpu + mem) / 2) * MAX_NODE_SCORE;
}
