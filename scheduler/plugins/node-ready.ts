/**
 * NodeReady: only nodes whose Ready condition is True take pods. kube-scheduler expresses this
 * through the `node.kubernetes.io/not-ready` taint that the node lifecycle controller adds; we
 * check the condition itself too, so a node that never reported Ready is skipped even before any
 * controller has tainted it. A node whose pod network is not set up (NetworkUnavailable=True)
 * takes no pods either (Kubernetes: the node.kubernetes.io/network-unavailable taint).
 */
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_NOT_READY = "node(s) were not ready";
const FAIL = reasons(ERR_NOT_READY);
export const ERR_NETWORK_UNAVAILABLE = "node(s) had network unavailable";
const FAIL_NETWORK = reasons(ERR_NETWORK_UNAVAILABLE);

/** Fails on a node whose Ready condition is not True, or whose pod network is unavailable. */
export function nodeReady(_pod: PodInfo, node: NodeInfo): FilterResult {
  if (!node.ready) return FAIL;
  return node.networkUnavailable ? FAIL_NETWORK : null;
}
