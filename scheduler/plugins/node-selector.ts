/**
 * NodeAffinity: every `spec.nodeSelector` pair must be a node label, and the node must match one
 * of the pod's required node affinity terms (labels and `metadata.name` fields).
 */
import { nodeSelectorTermsMatch } from "../../lib/node-affinity.js";
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
  if (pod.requiredNodeTerms && !nodeSelectorTermsMatch(pod.requiredNodeTerms, node.labels, node.name)) return FAIL;
  return null;
}
