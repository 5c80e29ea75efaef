/**
 * NodeReady: only nodes whose Ready condition is True take pods. kube-scheduler expresses this
 * through the `node.kubernetes.io/not-ready` taint that the node lifecycle controller adds; we
 * check the condition itself too, so a node that never reported Ready is skipped even before any
 * controller has tainted it.
 */
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_NOT_READY = "node(s) were not ready";
const FAIL = reasons(ERR_NOT_READY);

/** Fails on a node whose Ready condition is not True. */
export function nodeReady(_pod: PodInfo, node: NodeInfo): FilterResult {
  return node.ready ? null : FAIL;
}
