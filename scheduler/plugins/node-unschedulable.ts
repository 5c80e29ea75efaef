/**
 * NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes no new pods, unless the pod
 * tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint (as DaemonSet pods do).
 */
import type { FilterResult, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";
import { toleratesTaint } from "./taint-toleration.js";

export const ERR_UNSCHEDULABLE = "node(s) were unschedulable";
const FAIL = reasons(ERR_UNSCHEDULABLE);
const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" } as const;

/** Fails on a cordoned node the pod does not tolerate. */
export function nodeUnschedulable(pod: PodInfo, node: NodeInfo): FilterResult {
  if (!node.unschedulable) return null;
  for (const t of pod.tolerations) if (toleratesTaint(t, UNSCHEDULABLE_TAINT)) return null;
  return FAIL;
}
