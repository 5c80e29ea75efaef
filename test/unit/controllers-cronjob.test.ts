/** The CronJob controller's pure plan and the schedule parsing rules. */
import { describe, expect, it } from "vitest";
import { jobNameFor, planCronJob } from "../../controllers/cronjob/plan.js";
import { isValidTimeZone, parseSchedule, scheduleError } from "../../lib/batch/cron.js";
import type { CronJob, Job } from "../../lib/types.js";

const cj = (spec: Partial<CronJob["spec"]> = {}, status: CronJob["status"] = {}): CronJob => ({
  apiVersion: "batch/v1", kind: "CronJob",
  metadata: { name: "c", namespace: "default", uid: "cu", creationTimestamp: "2030-01-01T00:00:00Z" },
  spec: { schedule: "*/5 * * * *", concurrencyPolicy: "Allow", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } } }, ...spec },
  status,
});
const job = (name: string, finished?: "Complete" | "Failed", start = "2030-01-01T00:05:00Z"): Job => ({
  apiVersion: "batch/v1", kind: "Job",
  metadata: { name, namespace: "default", uid: name, creationTimestamp: start },
  spec: { template: { spec: { containers: [] } } },
  status: { startTime: start, ...(finished ? { conditions: [{ type: finished, status: "True" }], ...(finished === "Complete" ? { completionTime: start } : {}) } : {}) },
} as Job);
const at = (iso: string) => new Date(iso);

describe("schedules", () => {
  it("accept Kubernetes' syntax and refuse what robfig/cron refuses", () => {
    for (const ok of ["*/5 * * * *", "0 3 * * 1-5", "@hourly", "@daily", "@midnight", "0 0 1 JAN *", "0 0 * * MON"]) expect(scheduleError(ok), ok).toBeUndefined();
    for (const bad of ["", "61 * * * *", "0 0 * * * *", "* * * *", "TZ=UTC 0 * * * *", "CRON_TZ=UTC 0 * * * *", "@every 1h", "@reboot", "0 0 L * *", "0 0 * * 1#2", "H * * * *"]) expect(scheduleError(bad), bad).toBeDefined();
  });
  it("fire in the schedule's time zone", () => {
    const s = parseSchedule("0 3 * * *", "Europe/Paris");
    expect(s.nextAfter(at("2030-01-01T00:00:00Z")).toISOString()).toBe("2030-01-01T02:00:00.000Z");
    expect(s.lastAtOrBefore(at("2030-01-01T02:00:00Z"))?.toISOString()).toBe("2030-01-01T02:00:00.000Z");
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("Local")).toBe(false);
  });
});

describe("planCronJob", () => {
  it("starts the due Job, named by the minute, and wakes at the next time", () => {
    const p = planCronJob(cj(), [], at("2030-01-01T00:05:10Z"));
    expect(p.create?.job.metadata.name).toBe(jobNameFor(cj(), at("2030-01-01T00:05:00Z")));
    expect(p.create?.job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", uid: "cu", controller: true });
    expect(p.status.lastScheduleTime).toBe("2030-01-01T00:05:00Z");
    expect(p.requeueAfterMs).toBe(290_000 + 100);
  });
  it("does nothing before the first time, nor when suspended", () => {
    expect(planCronJob(cj(), [], at("2030-01-01T00:04:59Z")).create).toBeUndefined();
    expect(planCronJob(cj({ suspend: true }), [], at("2030-01-01T00:05:10Z")).create).toBeUndefined();
  });
  it("Forbid skips while a Job runs; Replace deletes it", () => {
    const running = job("c-old");
    const f = planCronJob(cj({ concurrencyPolicy: "Forbid" }), [running], at("2030-01-01T00:10:01Z"));
    expect(f.create).toBeUndefined();
    expect(f.events[0]?.reason).toBe("JobAlreadyActive");
    const r = planCronJob(cj({ concurrencyPolicy: "Replace" }), [running], at("2030-01-01T00:10:01Z"));
    expect(r.delete).toEqual([{ job: running, why: "replace" }]);
    expect(r.create).toBeDefined();
    expect(r.status.active?.map((x) => x.name)).toEqual([r.create!.job.metadata.name]);
  });
  it("keeps the newest finished Jobs within the history limits", () => {
    const jobs = [job("a", "Complete", "2030-01-01T00:01:00Z"), job("b", "Complete", "2030-01-01T00:02:00Z"), job("d", "Failed", "2030-01-01T00:03:00Z"), job("e", "Failed", "2030-01-01T00:04:00Z")];
    const p = planCronJob(cj({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }), jobs, at("2030-01-01T00:04:30Z"));
    expect(p.delete.map((d) => d.job.metadata.name).sort()).toEqual(["a", "d"]);
    expect(p.status.lastSuccessfulTime).toBe("2030-01-01T00:02:00Z");
  });
  it("after downtime starts only the most recent missed time, warning past 100", () => {
    const p = planCronJob(cj({ schedule: "* * * * *" }), [], at("2030-01-01T05:00:30Z"));
    expect(p.create?.scheduledTime.toISOString()).toBe("2030-01-01T05:00:00.000Z");
    expect(p.events.map((e) => e.reason)).toEqual(["TooManyMissedTimes"]);
    const few = planCronJob(cj({ schedule: "* * * * *" }), [], at("2030-01-01T00:30:30Z"));
    expect(few.events).toEqual([]);
  });
  it("a due time older than startingDeadlineSeconds is a MissSchedule warning, not a Job", () => {
    const p = planCronJob(cj({ schedule: "0 * * * *", startingDeadlineSeconds: 60 }), [], at("2030-01-01T01:05:00Z"));
    expect(p.create).toBeUndefined();
    expect(p.events[0]).toMatchObject({ type: "Warning", reason: "MissSchedule", message: "Missed scheduled time to start a job: Tue, 01 Jan 2030 01:00:00 +0000" });
  });
  it("does not start a time whose Job already exists (a lost status write)", () => {
    const name = jobNameFor(cj(), at("2030-01-01T00:05:00Z"));
    const p = planCronJob(cj(), [job(name)], at("2030-01-01T00:05:10Z"));
    expect(p.create).toBeUndefined();
    expect(p.status.lastScheduleTime).toBe("2030-01-01T00:05:00Z");
  });
});
