/**
 * What only Indexed Jobs have: a retry limit per index (`backoffLimitPerIndex`, with
 * `maxFailedIndexes` and the podFailurePolicy action `FailIndex`) and a `successPolicy`.
 *
 * Each pod of a Job with backoffLimitPerIndex carries the number of earlier failures of its index
 * (annotation `batch.kubernetes.io/job-index-failure-count`). A failed pod of index i with count
 * c makes c+1 failures of i; beyond the limit, or on FailIndex, i joins `status.failedIndexes`
 * and is not run again. The back-off is per index (10 s doubling from that index's last failure).
 */
import { ANNOTATION_INDEX_FAILURE_COUNT } from "../../lib/batch/job-labels.js";
import type { Job, JobSuccessPolicyRule, Pod } from "../../lib/types.js";
import { containersFinishedAt, isTerminating } from "../util/pods.js";
import { failureAction } from "./failure-policy.js";
import { parseIndexes, podIndex } from "../../lib/batch/indexes.js";

/** The failures of one index so far: how many, and when the newest finished (ms; undefined if unknown). */
export interface IndexFailure {
  count: number;
  lastMs?: number;
}

/** Failures per index and the indexes that may not run again. */
export interface IndexFailures {
  failed: Set<number>;
  byIndex: Map<number, IndexFailure>;
}

/** Earlier failures of the pod's index, from its annotation (0 when absent or malformed). */
export function podFailureCount(pod: Pod): number {
  const v = pod.metadata.annotations?.[ANNOTATION_INDEX_FAILURE_COUNT];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

/** When a failed pod finished: its containers' end, else (deleted while running) its deletion. */
function finishedAt(pod: Pod): number | undefined {
  return containersFinishedAt(pod) ?? (pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : undefined);
}

/**
 * Failures per index from the Job's failed (or deleted while running) pods, and the failed
 * indexes: those already in `status.failedIndexes` plus any now past `backoffLimitPerIndex`.
 */
export function indexFailures(job: Job, pods: readonly Pod[], completions: number): IndexFailures {
  const limit = job.spec.backoffLimitPerIndex ?? Infinity;
  const failed = parseIndexes(job.status?.failedIndexes, completions);
  const byIndex = new Map<number, IndexFailure>();
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === "Succeeded" || (phase !== "Failed" && !isTerminating(p))) continue;
    const i = podIndex(p);
    if (i === undefined || i >= completions) continue;
    const action = failureAction(job, p);
    if (action === "Ignore") continue;
    const count = podFailureCount(p) + 1;
    const cur = byIndex.get(i) ?? { count: 0 };
    const at = finishedAt(p);
    byIndex.set(i, { count: Math.max(cur.count, count), lastMs: at === undefined ? cur.lastMs : Math.max(cur.lastMs ?? 0, at) });
    if (action === "FailIndex" || count > limit) failed.add(i);
  }
  return { failed, byIndex };
}

/** The position of the first successPolicy rule that the completed indexes meet, or undefined. */
export function matchSuccessPolicy(rules: readonly JobSuccessPolicyRule[] | undefined, completed: ReadonlySet<number>, completions: number): number | undefined {
  for (const [n, rule] of (rules ?? []).entries()) {
    if (rule.succeededIndexes !== undefined) {
      const wanted = parseIndexes(rule.succeededIndexes, completions);
      let done = 0;
      for (const i of wanted) if (completed.has(i)) done++;
      if (rule.succeededCount !== undefined ? done >= rule.succeededCount : done === wanted.size) return n;
    } else if (rule.succeededCount !== undefined && completed.size >= rule.succeededCount) {
      return n;
    }
  }
  return undefined;
}
