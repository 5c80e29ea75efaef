/**
 * The Job controller's pure decision: given a Job, the pods it controls and the time, which pods
 * to create (and with which completion index), which to delete, whether the Job itself is due for
 * deletion (ttlSecondsAfterFinished), and what its status says.
 *
 * ```
 *  finished? ── ttl due ──► delete the Job (the GC removes its pods)
 *     │ no
 *  suspended ──► delete active pods, Suspended=True
 *  deadline passed / backoffLimit exceeded / podFailurePolicy FailJob /
 *    maxFailedIndexes exceeded / every index done with some failed ──► delete active, Failed
 *  enough succeeded, or a successPolicy rule met ──► Complete
 *  else ──► create up to parallelism (after the failure back-off), delete any excess
 * ```
 *
 * Finished pods are counted through Kubernetes' tracking finalizer (tracking.ts): a pod deleted
 * before it finished counts as failed, and a counted pod may be deleted without losing its count.
 */
import { ANNOTATION_COMPLETION_INDEX, ANNOTATION_INDEX_FAILURE_COUNT, ENV_COMPLETION_INDEX, FINALIZER_JOB_TRACKING } from "../../lib/batch/job-labels.js";
import { rfc3339 } from "../../lib/timestamps.js";
import type { Job, JobCondition, JobStatus, Pod } from "../../lib/types.js";
import { compareForDeletion, containersFinishedAt, isPodReady, isTerminating } from "../util/pods.js";
import { failureAction } from "./failure-policy.js";
import { accountPods, isTrackedJob } from "./tracking.js";
import { indexFailures, matchSuccessPolicy } from "./per-index.js";
import { formatIndexes, parseIndexes, podIndex } from "../../lib/batch/indexes.js";

/** Kubernetes' DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;
/** Never create more pods than this in one sync (Kubernetes' burst limit). */
export const MAX_CREATES_PER_SYNC = 500;

/** What the Job controller should do for one Job. */
export interface JobPlan {
  /** pods to create; `index` is set for Indexed Jobs, `failureCount` with backoffLimitPerIndex */
  create: { index?: number; failureCount?: number }[];
  delete: Pod[];
  /** pods whose tracking finalizer is to be removed once `status` is stored (never before) */
  release: Pod[];
  /** the Job's ttlSecondsAfterFinished ran out */
  deleteJob: boolean;
  status: JobStatus;
  /** conditions that newly became True (for events): type and reason */
  transitions: { type: string; reason: string; message: string }[];
  requeueAfterMs?: number;
  /**
   * Set when this plan records a new failure: when (ms). The controller keeps it, as Kubernetes'
   * backoff record, to time the back-off once the failed pod itself is gone.
   */
  lastFailureMs?: number;
}

const condTrue = (s: JobStatus | undefined, type: string): JobCondition | undefined => s?.conditions?.find((c) => c.type === type && c.status === "True");

/** The Job finished: Complete or Failed is True. */
export function isJobFinished(job: Job): boolean {
  return Boolean(condTrue(job.status, "Complete") ?? condTrue(job.status, "Failed"));
}

/** When the last failed pod finished (ms), for the back-off. */
function lastFailureAt(pods: readonly Pod[]): number | undefined {
  let last: number | undefined;
  for (const p of pods) {
    const t = containersFinishedAt(p);
    if (t !== undefined) last = Math.max(last ?? 0, t);
    if (last === undefined) {
      const c = p.status?.conditions?.find((x) => x.type === "Ready")?.lastTransitionTime;
      if (c) last = Date.parse(c);
    }
  }
  return last;
}

function setCondition(st: JobStatus, type: string, status: "True" | "False", reason: string, message: string, now: string): boolean {
  const list = (st.conditions ??= []);
  const cur = list.find((c) => c.type === type);
  if (cur && cur.status === status && cur.reason === reason) return false;
  const next: JobCondition = { type, status, lastProbeTime: now, lastTransitionTime: cur && cur.status === status ? cur.lastTransitionTime : now, reason, message };
  if (cur) list[list.indexOf(cur)] = next;
  else list.push(next);
  return status === "True";
}

/**
 * Plan one sync. `pods` are the Job's pods (controlled by it); `manage` false (expectations
 * pending) changes no pods; `lastFailureMs` is the newest failure a previous plan recorded.
 */
export function planJob(job: Job, pods: readonly Pod[], now: Date, manage = true, lastFailureMs?: number): JobPlan {
  const plan: JobPlan = { create: [], delete: [], release: [], deleteJob: false, status: structuredClone(job.status ?? {}), transitions: [] };
  const st = plan.status;
  const nowMs = now.getTime();
  const nowTs = rfc3339(now);
  const spec = job.spec;
  const indexed = spec.completionMode === "Indexed";
  const completions = spec.completions ?? undefined;
  const parallelism = spec.parallelism ?? 1;

  const terminating = pods.filter(isTerminating);
  const live = pods.filter((p) => !isTerminating(p));
  const active = live.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const succeededPods = pods.filter((p) => p.status?.phase === "Succeeded");
  const failedPods = pods.filter((p) => p.status?.phase === "Failed");

  // Failures: podFailurePolicy may ignore some or fail the whole Job.
  let failJob: Pod | undefined;
  let counted = 0;
  for (const p of failedPods) {
    const action = failureAction(job, p);
    if (action === "FailJob") failJob ??= p;
    if (action !== "Ignore") counted++;
  }
  const tracked = isTrackedJob(job);
  // OnFailure pods fail in place: their restarts count towards backoffLimit (Kubernetes' pastBackoffLimitOnFailure).
  const restarts = spec.template.spec.restartPolicy === "OnFailure"
    ? active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0), 0)
    : 0;

  let completed: Set<number> | undefined;
  if (indexed) {
    completed = parseIndexes(st.completedIndexes, completions);
    for (const p of succeededPods) {
      const i = podIndex(p);
      if (i !== undefined && i < (completions ?? 0)) completed.add(i);
    }
    st.completedIndexes = formatIndexes(completed);
  }
  const perIndex = indexed && spec.backoffLimitPerIndex !== undefined ? indexFailures(job, pods, completions ?? 0) : undefined;
  if (perIndex) st.failedIndexes = formatIndexes(perIndex.failed);
  // What completions and backoffLimit compare with: counted plus recorded-but-uncounted pods.
  let succeededSoFar: number;
  let failedSoFar: number;
  if (tracked) {
    const acc = accountPods(job, pods, st, indexed);
    plan.release = acc.release;
    if (acc.newDeletedFailures > 0) plan.lastFailureMs = nowMs;
    else if (acc.newFailures > 0) plan.lastFailureMs = lastFailureAt(failedPods);
    succeededSoFar = acc.succeeded;
    failedSoFar = acc.failed;
  } else {
    // A Job from before tracking: counts from the cache, never below what the status says.
    succeededSoFar = st.succeeded = Math.max(st.succeeded ?? 0, succeededPods.length);
    failedSoFar = st.failed = Math.max(st.failed ?? 0, counted);
  }
  if (indexed) succeededSoFar = st.succeeded = completed!.size;
  st.active = active.length;
  st.ready = active.filter(isPodReady).length;
  st.terminating = terminating.length;

  const finished = isJobFinished(job);
  if (finished) {
    // A finished Job keeps no running pods; its TTL counts from completion (or failure).
    if (manage) plan.delete = active;
    const ttl = spec.ttlSecondsAfterFinished;
    if (ttl !== undefined) {
      const doneAt = Date.parse(st.completionTime ?? condTrue(st, "Failed")?.lastTransitionTime ?? nowTs);
      const due = doneAt + ttl * 1000 - nowMs;
      if (due <= 0) plan.deleteJob = true;
      else plan.requeueAfterMs = due;
    }
    return plan;
  }

  if (spec.suspend) {
    if (manage) plan.delete = active;
    if (setCondition(st, "Suspended", "True", "JobSuspended", "Job suspended", nowTs)) plan.transitions.push({ type: "Suspended", reason: "Suspended", message: "Job suspended" });
    return plan;
  }
  if (condTrue(st, "Suspended")) {
    // Resumed: Kubernetes restarts the clock of activeDeadlineSeconds.
    setCondition(st, "Suspended", "False", "JobResumed", "Job resumed", nowTs);
    plan.transitions.push({ type: "Resumed", reason: "Resumed", message: "Job resumed" });
    st.startTime = nowTs;
  }
  st.startTime ??= nowTs;

  // As Kubernetes: the outcome is decided first (FailureTarget / SuccessCriteriaMet); Failed or
  // Complete, which end the Job, follow once every finished pod is counted (no UID uncounted).
  const unc = st.uncountedTerminatedPods;
  const settled = !unc || ((unc.succeeded?.length ?? 0) === 0 && (unc.failed?.length ?? 0) === 0);
  const fail = (reason: string, message: string): JobPlan => {
    if (manage) plan.delete = active;
    setCondition(st, "FailureTarget", "True", reason, message, nowTs);
    if (settled) {
      setCondition(st, "Failed", "True", reason, message, nowTs);
      plan.transitions.push({ type: "Failed", reason, message });
    }
    st.active = 0;
    st.ready = 0;
    return plan;
  };
  const target = condTrue(st, "FailureTarget");
  if (target) return fail(target.reason ?? "", target.message ?? "");

  const deadline = spec.activeDeadlineSeconds;
  const startedMs = Date.parse(st.startTime);
  if (deadline !== undefined && nowMs - startedMs >= deadline * 1000) return fail("DeadlineExceeded", "Job was active longer than specified deadline");
  if (failJob) {
    const cs = failJob.status?.containerStatuses?.find((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
    return fail("PodFailurePolicy", `Container ${cs?.name ?? ""} for pod ${failJob.metadata.namespace}/${failJob.metadata.name} failed with exit code ${cs?.state?.terminated?.exitCode ?? ""} matching FailJob rule at index 0`);
  }
  if (failedSoFar + restarts > (spec.backoffLimit ?? 6)) return fail("BackoffLimitExceeded", "Job has reached the specified backoff limit");
  if (perIndex) {
    if (spec.maxFailedIndexes !== undefined && perIndex.failed.size > spec.maxFailedIndexes) return fail("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes");
    if (perIndex.failed.size > 0 && perIndex.failed.size + completed!.size >= (completions ?? 0)) return fail("FailedIndexes", "Job has failed indexes");
  }

  const done = indexed ? completed!.size >= (completions ?? 0) : completions !== undefined ? succeededSoFar >= completions : succeededSoFar > 0 && active.length === 0;
  const rule = indexed ? matchSuccessPolicy(spec.successPolicy?.rules, completed!, completions ?? 0) : undefined;
  const met = condTrue(st, "SuccessCriteriaMet");
  if (done || rule !== undefined || met) {
    if (manage) plan.delete = active;
    const [reason, message] = met
      ? [met.reason ?? "", met.message ?? ""]
      : rule !== undefined ? ["SuccessPolicy", `Matched rules at index ${rule}`] : ["CompletionsReached", "Reached expected number of succeeded pods"];
    setCondition(st, "SuccessCriteriaMet", "True", reason, message, nowTs);
    // A success policy leaves pods to stop: Complete once they are gone, as Kubernetes.
    if (settled && (reason !== "SuccessPolicy" || active.length + terminating.length === 0)) {
      st.completionTime = nowTs;
      setCondition(st, "Complete", "True", reason, message, nowTs);
      plan.transitions.push({ type: "Completed", reason: "Completed", message: "Job completed" });
      if (spec.ttlSecondsAfterFinished !== undefined) plan.requeueAfterMs = spec.ttlSecondsAfterFinished * 1000;
    }
    st.active = 0;
    st.ready = 0;
    return plan;
  }
  if (deadline !== undefined) plan.requeueAfterMs = Math.max(0, startedMs + deadline * 1000 - nowMs);
  if (!manage) return plan;

  // How many should run now: parallelism, but no more than the completions still missing.
  let want = parallelism;
  if (indexed) want = Math.min(want, (completions ?? 0) - completed!.size);
  else if (completions !== undefined) want = Math.min(want, completions - succeededSoFar);
  else if (succeededSoFar > 0) want = 0; // a work-queue Job stops starting pods once one succeeded
  want = Math.max(0, want);

  if (active.length > want) {
    plan.delete = [...active].sort(compareForDeletion).slice(0, active.length - want);
    return plan;
  }
  // podReplacementPolicy Failed: a terminating pod holds its slot until it is gone.
  const occupied = active.length + (spec.podReplacementPolicy === "Failed" ? terminating.length : 0);
  let toCreate = Math.min(want - occupied, MAX_CREATES_PER_SYNC);
  if (toCreate <= 0) return plan;

  // Kubernetes' failure back-off: 10 s doubling per counted failure, capped at 6 min (per index
  // with backoffLimitPerIndex, below).
  if (failedSoFar > 0 && !perIndex) {
    const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failedSoFar - 1), MAX_POD_FAILURE_BACKOFF_MS);
    // The newest failure: a failed pod's finish, else when one was recorded (a pod deleted while
    // running leaves no finish time); none known (a restarted controller) means no wait.
    const last = Math.max(lastFailureAt(failedPods) ?? 0, plan.lastFailureMs ?? lastFailureMs ?? 0);
    const wait = last + delay - nowMs;
    if (last > 0 && wait > 0) {
      plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
      return plan;
    }
  }

  if (indexed) {
    const busy = new Set<number>();
    for (const p of active) {
      const i = podIndex(p);
      if (i !== undefined) busy.add(i);
    }
    for (let i = 0; i < (completions ?? 0) && toCreate > 0; i++) {
      if (completed!.has(i) || busy.has(i) || perIndex?.failed.has(i)) continue;
      const failures = perIndex?.byIndex.get(i);
      if (failures?.lastMs !== undefined) {
        const wait = failures.lastMs + Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures.count - 1), MAX_POD_FAILURE_BACKOFF_MS) - nowMs;
        if (wait > 0) {
          plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, wait);
          continue;
        }
      }
      plan.create.push(perIndex ? { index: i, failureCount: failures?.count ?? 0 } : { index: i });
      toCreate--;
    }
  } else {
    for (let i = 0; i < toCreate; i++) plan.create.push({});
  }
  return plan;
}

/**
 * The pod a Job creates: its template, `generateName: <job>-` (`<job>-<index>-` when Indexed), a
 * controller owner reference, and the tracking finalizer (unless the Job predates tracking).
 */
export function podForJob(job: Job, index?: number, failureCount?: number): Pod {
  const t = job.spec.template;
  const meta = t.metadata ?? {};
  const name = job.metadata.name ?? "";
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
      ...(isTrackedJob(job) ? { finalizers: [FINALIZER_JOB_TRACKING] } : {}),
    },
    spec: structuredClone(t.spec),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (index !== undefined) {
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [ANNOTATION_COMPLETION_INDEX]: String(index) };
    pod.metadata.labels = { ...pod.metadata.labels, [ANNOTATION_COMPLETION_INDEX]: String(index) };
    if (job.spec.backoffLimitPerIndex !== undefined) pod.metadata.annotations[ANNOTATION_INDEX_FAILURE_COUNT] = String(failureCount ?? 0);
    // Kubernetes gives each index a stable hostname and the index in every container's env.
    pod.spec.hostname ??= `${name}-${index}`;
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== ENV_COMPLETION_INDEX), { name: ENV_COMPLETION_INDEX, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${ANNOTATION_COMPLETION_INDEX}']` } } }];
    }
  }
  return pod;
}

/** Whether the stored status differs from the planned one. */
export function jobStatusChanged(job: Job, next: JobStatus): boolean {
  return JSON.stringify(job.status ?? {}) !== JSON.stringify(next);
}
