/**
 * One scheduling decision: filter every node, score the feasible ones, pick the best (ties broken
 * by the seeded random source). Pure apart from the random source: the caller owns the cache.
 */
import { Diagnosis, fitErrorMessage } from "./fit-error.js";
import { mostAllocated } from "./plugins/most-allocated.js";
import { nodePorts } from "./plugins/node-ports.js";
import { nodeReady } from "./plugins/node-ready.js";
import { nodeResourcesFit } from "./plugins/node-resources-fit.js";
import { nodeSelector } from "./plugins/node-selector.js";
import { nodeUnschedulable } from "./plugins/node-unschedulable.js";
import { ownerSpread } from "./plugins/owner-spread.js";
import { taintToleration } from "./plugins/taint-toleration.js";
import type { FilterPlugin, FilterResult, NodeInfo, PodInfo, ScorePlugin } from "./types.js";

/** Filters in kube-scheduler's order; the first failing one gives a node's reasons. */
export const FILTERS: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeReady,
  taintToleration,
  nodeSelector,
  nodePorts,
  nodeResourcesFit,
];

/**
 * Score plugins and weights. OwnerSpread drops by 100 per replica of the pod's owner on the node
 * and weighs 2, MostAllocated is 0..100 and weighs 1: the node with the fewest replicas of the
 * owner always wins (even spread), and among equals packing decides.
 */
export const SCORERS: readonly { plugin: ScorePlugin; weight: number }[] = [
  { plugin: mostAllocated, weight: 1 },
  { plugin: ownerSpread, weight: 2 },
];

export type ScheduleResult =
  | { ok: true; node: NodeInfo; score: number; feasible: number }
  | { ok: false; message: string; diagnosis: Diagnosis };

const MOST_ALLOCATED_WEIGHT = 1;
const OWNER_SPREAD_WEIGHT = 2;

/**
 * Total weighted score of a node for a pod: SCORERS, written out as direct calls so that the
 * JIT inlines them (a loop over a function array makes every call site megamorphic).
 */
export function scoreNode(pod: PodInfo, node: NodeInfo): number {
  return mostAllocated(pod, node) * MOST_ALLOCATED_WEIGHT + ownerSpread(pod, node) * OWNER_SPREAD_WEIGHT;
}

/** Run the filters on one node, in FILTERS order (as direct calls, see scoreNode); `null` when it fits. */
export function filterNode(pod: PodInfo, node: NodeInfo): readonly string[] | null {
  return (
    nodeUnschedulable(pod, node) ??
    nodeReady(pod, node) ??
    taintToleration(pod, node) ??
    nodeSelector(pod, node) ??
    nodePorts(pod, node) ??
    nodeResourcesFit(pod, node)
  );
}

/**
 * Choose a node for `pod` among `nodes`. Filtering and scoring are fused into one pass (score
 * right after a node passes) so that no intermediate arrays are built; ties among the best
 * scores are broken uniformly by reservoir sampling with `random`. Reasons are only tallied
 * (in a second pass) when no node fits: the common case pays nothing for them. `extraFilter`
 * runs after the built-in filters, for checks that need more than the pod and the node (the
 * pod's volumes: plugins/volume-binding.ts); pods without such checks pass none.
 */
export function schedulePod(pod: PodInfo, nodes: readonly NodeInfo[], random: () => number, extraFilter?: (node: NodeInfo) => FilterResult): ScheduleResult {
  let best: NodeInfo | undefined;
  let bestScore = -Infinity;
  let ties = 0;
  let feasible = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (filterNode(pod, node) !== null) continue;
    if (extraFilter && extraFilter(node) !== null) continue;
    feasible++;
    const s = scoreNode(pod, node);
    if (s > bestScore) {
      best = node;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (random() * ties < 1) best = node;
    }
  }
  if (best) return { ok: true, node: best, score: bestScore, feasible };
  const d = new Diagnosis();
  for (let i = 0; i < nodes.length; i++) {
    const failed = filterNode(pod, nodes[i]) ?? extraFilter?.(nodes[i]) ?? null;
    if (failed !== null) d.add(failed);
  }
  return { ok: false, message: fitErrorMessage(nodes.length, d), diagnosis: d };
}
