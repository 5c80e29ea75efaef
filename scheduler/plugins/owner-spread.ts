/**
 * OwnerSpread: replicas of one owner (same controller ownerReference uid) prefer nodes that do
 * not yet run one of them. The term is all-or-nothing on purpose: it puts the first replicas on
 * distinct nodes (3 nodes, 3 replicas: one each) and then stops mattering, so further replicas
 * pack by MostAllocated instead of smearing over every node.
 */
import type { NodeInfo, PodInfo } from "../types.js";
import { MAX_NODE_SCORE } from "./most-allocated.js";

/** 100 when the node runs no pod of the pod's owner (or the pod has no owner), else 0. */
export function ownerSpread(pod: PodInfo, node: NodeInfo): number {
  if (pod.ownerId < 0) return MAX_NODE_SCORE; // no owner, or no replica placed anywhere yet
  return node.ownerCounts.has(pod.ownerId) ? 0 : MAX_NODE_SCORE;
}
