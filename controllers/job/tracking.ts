/**
 * Counting a Job's finished pods with Kubernetes' tracking finalizer
 * (`batch.kubernetes.io/job-tracking`), so that no finished pod is missed or counted twice, even
 * one deleted before it finished:
 *
 * ```
 *   pod with the finalizer finishes (Succeeded, Failed, or deleted while running → failed)
 *     1. its UID goes into status.uncountedTerminatedPods        (status written first)
 *     2. its finalizer is removed                                 (the pod may now go away)
 *     3. a UID whose pod has no finalizer any more (or is gone) moves into succeeded/failed
 * ```
 *
 * A crash between any two steps repeats the step, never the count. Indexed Jobs count successes
 * by index (status.completedIndexes is written before the finalizer goes), so only their failures
 * pass through the UID list. Pods the controller deletes itself (excess, suspend, a finished Job)
 * lose the finalizer before the delete and are not counted, as in Kubernetes.
 *
 * Jobs that were already running before kctl tracked pods (a status with a startTime but no
 * uncountedTerminatedPods) keep the older way: counts from the cached pods, never decreasing.
 */
import { FINALIZER_JOB_TRACKING } from "../../lib/batch/job-labels.js";
import type { Job, JobStatus, Pod } from "../../lib/types.js";
import { isTerminating } from "../util/pods.js";
import { failureAction } from "./failure-policy.js";

/** Whether the pod still holds the Job tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(FINALIZER_JOB_TRACKING) ?? false;
}

/** Whether this Job's pods are tracked with the finalizer (every Job kctl's controller first synced). */
export function isTrackedJob(job: Job): boolean {
  return job.status?.uncountedTerminatedPods !== undefined || job.status?.startTime === undefined;
}

/** The outcome of one accounting pass. */
export interface Accounting {
  /** pods whose finalizer may go once `status` (with their UIDs or indexes) is stored */
  release: Pod[];
  /** successes and failures so far, counted and uncounted (what completions and backoffLimit compare with) */
  succeeded: number;
  failed: number;
  /** failures recorded by this pass, and how many of them were pods deleted while running (no finish time) */
  newFailures: number;
  newDeletedFailures: number;
}

/**
 * Settle and extend the counts in `st` (mutated: `succeeded`, `failed`, `uncountedTerminatedPods`)
 * from the Job's pods. `indexed` Jobs count successes by index elsewhere: here they only release.
 */
export function accountPods(job: Job, pods: readonly Pod[], st: JobStatus, indexed: boolean): Accounting {
  const stored = st.uncountedTerminatedPods ?? {};
  const succeeded = new Set(stored.succeeded ?? []);
  const failed = new Set(stored.failed ?? []);
  const byUid = new Map(pods.map((p) => [p.metadata.uid ?? "", p]));
  st.succeeded ??= 0;
  st.failed ??= 0;
  // 3. UIDs whose finalizer is gone are counted for good.
  for (const uid of succeeded) {
    const p = byUid.get(uid);
    if (p && hasTrackingFinalizer(p)) continue;
    succeeded.delete(uid);
    if (!indexed) st.succeeded++;
  }
  for (const uid of failed) {
    const p = byUid.get(uid);
    if (p && hasTrackingFinalizer(p)) continue;
    failed.delete(uid);
    st.failed++;
  }
  // 1. newly finished pods are recorded; 2. recorded pods are released.
  const release: Pod[] = [];
  let newFailures = 0;
  let newDeletedFailures = 0;
  for (const p of pods) {
    if (!hasTrackingFinalizer(p)) continue;
    const uid = p.metadata.uid ?? "";
    const phase = p.status?.phase;
    if (succeeded.has(uid) || failed.has(uid)) {
      release.push(p);
    } else if (phase === "Succeeded") {
      if (!indexed) succeeded.add(uid);
      release.push(p);
    } else if (phase === "Failed" || isTerminating(p)) {
      // Deleted before it finished: a failure (Kubernetes counts such orphans as failed).
      if (failureAction(job, p) !== "Ignore") {
        failed.add(uid);
        newFailures++;
        if (phase !== "Failed") newDeletedFailures++;
      }
      release.push(p);
    }
  }
  st.uncountedTerminatedPods = {
    ...(succeeded.size ? { succeeded: [...succeeded] } : {}),
    ...(failed.size ? { failed: [...failed] } : {}),
  };
  return { release, succeeded: st.succeeded + succeeded.size, failed: st.failed + failed.size, newFailures, newDeletedFailures };
}
