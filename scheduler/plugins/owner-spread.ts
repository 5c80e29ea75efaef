/**
 * OwnerSpread: replicas of one owner (same controller ownerReference uid) go to the nodes that
 * run the fewest of them, as Kubernetes' default spreading does: 3 nodes and 3 replicas land one
 * on each, 6 replicas land 2/2/2. The score falls by a full MAX_NODE_SCORE per replica already on
 * the node, so it always outweighs MostAllocated (0..100): bin-packing only decides among nodes
 * with equal counts, and pods of different owners (or none) still pack onto the fullest nodes.
 */
import type { NodeInfo, PodInfo } from "../types.js";
import { MAX_NODE_SCORE } from "./most-allocated.js";

/** MAX_NODE_SCORE minus MAX_NODE_SCORE per replica of the pod's owner already on the node. */
export function ownerSpread(pod: PodInfo, node: NodeInfo): number {
  if (pod.ownerId < 0) return MAX_NODE_SCORE; // no owner, or no replica placed anywhere yet
  return MAX_NODE_SCORE * (1 - (node.ownerCounts.get(pod.ownerId) ?? 0));
}
