/**
 * The CronJob controller's pure decision, as Kubernetes' cronjob controller (v2) decides: given a
 * CronJob, the Jobs it owns and the time, which Job to start (if a schedule time is due), which
 * Jobs to delete (Replace, and finished Jobs beyond the history limits), the status, and when to
 * look again.
 *
 * Missed schedules (the controller was down): only the most recent missed time is started, and
 * only if it is within startingDeadlineSeconds; more than 100 missed times is reported with a
 * warning, as Kubernetes does.
 */
import { ANNOTATION_CRONJOB_SCHEDULED_TIMESTAMP } from "../../lib/batch/job-labels.js";
import { parseSchedule } from "../../lib/batch/cron.js";
import { rfc3339 } from "../../lib/timestamps.js";
import type { CronJob, CronJobStatus, Job, ObjectReference } from "../../lib/types.js";

/** Kubernetes' limit before it gives up counting missed start times. */
export const MAX_MISSED_TIMES = 100;

export interface CronJobPlan {
  /** the Job to create and the schedule time it is for */
  create?: { job: Job; scheduledTime: Date };
  /** Jobs to delete, and why (`Replace` or `history`) */
  delete: { job: Job; why: "replace" | "history" }[];
  status: CronJobStatus;
  events: { type: "Normal" | "Warning"; reason: string; message: string }[];
  requeueAfterMs?: number;
}

const finishedAs = (j: Job): "Complete" | "Failed" | undefined =>
  j.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.type as "Complete" | "Failed" | undefined;

const refOf = (j: Job): ObjectReference => ({ apiVersion: "batch/v1", kind: "Job", name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion });

/** The name of the Job for schedule time `t`: `<cronjob>-<minutes since the epoch>`, as Kubernetes names it. */
export function jobNameFor(cj: CronJob, t: Date): string {
  return `${cj.metadata.name}-${Math.floor(t.getTime() / 60_000)}`;
}

/** The Job a CronJob starts for schedule time `t`. */
export function jobFor(cj: CronJob, t: Date): Job {
  const meta = cj.spec.jobTemplate.metadata ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobNameFor(cj, t),
      namespace: cj.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}), [ANNOTATION_CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339(t) },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name ?? "", uid: cj.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(cj.spec.jobTemplate.spec),
  };
}

/** Plan one sync. `jobs` are the Jobs this CronJob controls. */
export function planCronJob(cj: CronJob, jobs: readonly Job[], now: Date): CronJobPlan {
  const plan: CronJobPlan = { delete: [], status: { ...structuredClone(cj.status ?? {}) }, events: [] };
  const st = plan.status;
  const live = jobs.filter((j) => !j.metadata.deletionTimestamp);
  const active = live.filter((j) => !finishedAs(j));
  for (const j of live) {
    const done = finishedAs(j) === "Complete" ? j.status?.completionTime : undefined;
    if (done && (!st.lastSuccessfulTime || Date.parse(done) > Date.parse(st.lastSuccessfulTime))) st.lastSuccessfulTime = done;
  }

  // History limits: the oldest finished Jobs beyond each limit go.
  // As Kubernetes' byJobStartTime: equal start times (whole seconds) fall back to the name, so
  // the choice never depends on the order the informer lists them in.
  const byStart = (a: Job, b: Job) =>
    Date.parse(a.status?.startTime ?? a.metadata.creationTimestamp ?? "") - Date.parse(b.status?.startTime ?? b.metadata.creationTimestamp ?? "") ||
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
  for (const [kind, limit] of [["Complete", cj.spec.successfulJobsHistoryLimit ?? 3], ["Failed", cj.spec.failedJobsHistoryLimit ?? 1]] as const) {
    const done = live.filter((j) => finishedAs(j) === kind).sort(byStart);
    for (const j of done.slice(0, Math.max(0, done.length - limit))) plan.delete.push({ job: j, why: "history" });
  }

  let stillActive = active;
  const finish = (): CronJobPlan => {
    st.active = stillActive.length ? stillActive.map(refOf) : undefined;
    if (st.active === undefined) delete st.active;
    return plan;
  };
  if (cj.metadata.deletionTimestamp || cj.spec.suspend) return finish();

  let schedule;
  try {
    schedule = parseSchedule(cj.spec.schedule, cj.spec.timeZone ?? "UTC");
  } catch (e) {
    plan.events.push({ type: "Warning", reason: "UnparseableSchedule", message: `unparseable schedule: ${cj.spec.schedule} : ${(e as Error).message}` });
    return finish();
  }
  const nowMs = now.getTime();
  const nextMs = schedule.nextAfter(now).getTime();
  // Wake a little after the next time (Kubernetes adds 100 ms) so that it has surely passed.
  plan.requeueAfterMs = nextMs - nowMs + 100;

  const since = Date.parse(st.lastScheduleTime ?? cj.metadata.creationTimestamp ?? rfc3339(now));
  let earliest = since;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined) earliest = Math.max(earliest, nowMs - deadline * 1000);
  const mostRecent = schedule.lastAtOrBefore(now);
  if (!mostRecent || mostRecent.getTime() <= since) return finish();
  if (mostRecent.getTime() <= earliest) {
    // Due, but later than startingDeadlineSeconds allows: Kubernetes says so and waits for the next.
    plan.events.push({ type: "Warning", reason: "MissSchedule", message: `Missed scheduled time to start a job: ${mostRecent.toUTCString().replace("GMT", "+0000")}` });
    return finish();
  }

  let missed = 0;
  for (let t = schedule.nextAfter(new Date(earliest)); t.getTime() <= nowMs && missed <= MAX_MISSED_TIMES; t = schedule.nextAfter(t)) missed++;
  if (missed > MAX_MISSED_TIMES) {
    plan.events.push({ type: "Warning", reason: "TooManyMissedTimes", message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew" });
  }
  if (live.some((j) => j.metadata.name === jobNameFor(cj, mostRecent))) {
    // Already started (the status write of that sync was lost): record it and wait for the next.
    st.lastScheduleTime = rfc3339(mostRecent);
    return finish();
  }
  const policy = cj.spec.concurrencyPolicy ?? "Allow";
  if (policy === "Forbid" && active.length > 0) {
    plan.events.push({ type: "Normal", reason: "JobAlreadyActive", message: "Not starting job because prior execution is running and concurrency policy is Forbid" });
    return finish();
  }
  if (policy === "Replace") {
    for (const j of active) plan.delete.push({ job: j, why: "replace" });
    stillActive = [];
  }
  const job = jobFor(cj, mostRecent);
  plan.create = { job, scheduledTime: mostRecent };
  st.lastScheduleTime = rfc3339(mostRecent);
  stillActive = [...stillActive, job];
  return finish();
}

/** Whether the stored status differs from the planned one. */
export function cronJobStatusChanged(cj: CronJob, next: CronJobStatus): boolean {
  const strip = (s: CronJobStatus) => JSON.stringify({ ...s, active: (s.active ?? []).map((r) => r.name).sort() });
  return strip(cj.status ?? {}) !== strip(next);
}
