/**
 * NodeAffinity (the nodeSelector half): every `spec.nodeSelector` pair must be a node label.
 */
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_NODE_SELECTOR = "node(s) didn't match Pod's node affinity/selector";
const FAIL = reasons(ERR_NODE_SELECTOR);

/** Fails when a nodeSelector label is missing from the node or has another value. */
export function nodeSelector(pod: PodInfo, node: NodeInfo): FilterResult {
  const sel = pod.nodeSelector;
  for (let i = 0; i < sel.length; i++) {
    const [k, v] = sel[i];
    if (node.labels[k] !== v) return FAIL;
  }
  return null;
}
