/** The columns of Jobs and CronJobs, as kubectl 1.32 prints them. */
import { humanDuration, since } from "../human-duration.js";
import type { CronJob, Job } from "../types.js";
import { age, ageOf, col, containersOf, labelSelectorCell, name, type Printer } from "./printer.js";

const has = (j: Job, type: string): boolean => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** A Job's STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
export function jobStatusCell(j: Job): string {
  if (has(j, "Complete")) return "Complete";
  if (has(j, "Failed")) return "Failed";
  if (j.metadata.deletionTimestamp) return "Terminating";
  if (has(j, "Suspended")) return "Suspended";
  if (has(j, "FailureTarget")) return "FailureTarget";
  if (has(j, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

/** A Job's COMPLETIONS cell: `2/6`, or `1/1 of 3` for a work-queue Job (no completions, parallelism 3). */
export function jobCompletionsCell(j: Job): string {
  const ok = j.status?.succeeded ?? 0;
  if (j.spec?.completions !== undefined && j.spec.completions !== null) return `${ok}/${j.spec.completions}`;
  const p = j.spec?.parallelism ?? 0;
  return p > 1 ? `${ok}/1 of ${p}` : `${ok}/1`;
}

/** A Job's DURATION cell: start to completion, start to now while it runs, empty before it starts. */
export function jobDurationCell(j: Job, now: number = Date.now()): string {
  const start = j.status?.startTime ? Date.parse(j.status.startTime) : NaN;
  if (Number.isNaN(start)) return "";
  const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
  return humanDuration(end - start);
}

/** NAME STATUS COMPLETIONS DURATION AGE (wide: CONTAINERS IMAGES SELECTOR). */
export const jobPrinter: Printer = {
  columns: [name, col("Status"), col("Completions"), col("Duration"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
  cells: (o, now) => {
    const j = o as Job;
    const c = containersOf(j.spec?.template?.spec);
    return [j.metadata.name ?? "", jobStatusCell(j), jobCompletionsCell(j), jobDurationCell(j, now), ageOf(o, now), c.names, c.images, labelSelectorCell(j.spec?.selector)];
  },
};

/** NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE (wide: CONTAINERS IMAGES SELECTOR). */
export const cronJobPrinter: Printer = {
  columns: [name, col("Schedule"), col("Timezone"), col("Suspend"), col("Active", 0, "integer"), col("Last Schedule"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
  cells: (o, now) => {
    const cj = o as CronJob;
    const js = cj.spec?.jobTemplate?.spec;
    const c = containersOf(js?.template?.spec);
    const suspend = cj.spec?.suspend === undefined ? "<unset>" : cj.spec.suspend ? "True" : "False";
    const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : "<none>";
    return [
      cj.metadata.name ?? "", cj.spec?.schedule ?? "", cj.spec?.timeZone ?? "<none>", suspend, (cj.status?.active ?? []).length, last, ageOf(o, now),
      c.names, c.images, labelSelectorCell(js?.selector),
    ];
  },
};
