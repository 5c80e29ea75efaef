/**
 * CronJobs against a real API server and the real controllers, the CronJob controller on an
 * injected clock (so hours pass in milliseconds): Jobs start on schedule and are named by the
 * minute, Forbid skips while a Job runs, Replace deletes the running Job, history limits keep the
 * newest finished Jobs, more than 100 missed times warn and start only the most recent one,
 * deleting the CronJob deletes its Jobs and their pods, and bad schedules or time zones are 422.
 * Pods run on simulated nodes (they look Running until the test finishes their Job by hand).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isConflict, isInvalid } from "../../lib/errors.js";
import type { CronJob, Event, Job, Pod } from "../../lib/types.js";
import { eventually } from "../helpers/eventually.js";
import { startPlane, type Plane } from "./controllers-harness.js";

let plane: Plane;
let fakeNow = Date.now();
const advanceTo = (iso: string) => (fakeNow = Date.parse(iso));

beforeAll(async () => {
  // The injected clock starts at a known time, before any schedule below fires.
  fakeNow = Date.parse("2030-01-01T00:00:30Z");
  plane = await startPlane({ nodes: 2, controllers: { cronJobNow: () => new Date(fakeNow), cronJobResyncMs: 50 } });
}, 30_000);
afterAll(async () => {
  await plane?.close();
});

function cronJob(name: string, spec: Partial<CronJob["spec"]>): CronJob {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: "default" },
    spec: {
      schedule: "*/5 * * * *",
      ...spec,
      jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] } } } },
    },
  } as CronJob;
}

const jobsOf = async (cj: string) => (await plane.client.list<Job>("Job", { namespace: "default" })).items
  .filter((j) => j.metadata.ownerReferences?.some((r) => r.name === cj && r.kind === "CronJob") && !j.metadata.deletionTimestamp)
  .map((j) => j.metadata.name).sort();
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

/**
 * Mark a Job finished as its controller would (retried: the Job controller writes status too).
 * It waits for the Job controller's startTime first, as a real Job always has one before it
 * ends: the CronJob's history limit orders Jobs by startTime, and a made-up one from the test's
 * fake clock (2030) would sort a Job after the Job controller's real-clock start of a later one.
 */
async function finish(name: string, type: "Complete" | "Failed", at: string): Promise<void> {
  await eventually(`${name} ${type}`, async () => finishOnce(name, type, at).then((done) => done, (e: unknown) => (isConflict(e) ? false : Promise.reject(e))));
}

async function finishOnce(name: string, type: "Complete" | "Failed", at: string): Promise<boolean> {
  const j = await plane.client.get<Job>("Job", name, "default");
  if (!j.status?.startTime) return false;
  await plane.client.updateStatus<Job>({
    ...j,
    status: {
      ...j.status, active: 0, ...(type === "Complete" ? { completionTime: at, succeeded: 1 } : { failed: 1 }),
      conditions: [...(type === "Failed" ? [{ type: "FailureTarget", status: "True" as const, reason: "BackoffLimitExceeded", lastTransitionTime: at }] : [{ type: "SuccessCriteriaMet", status: "True" as const, reason: "CompletionsReached", lastTransitionTime: at }]), { type, status: "True", reason: type === "Complete" ? "CompletionsReached" : "BackoffLimitExceeded", lastTransitionTime: at }],
    },
  });
  return true;
}

describe("CronJob controller (injected clock)", () => {
  it("starts Jobs on schedule, named by the minute, and records lastScheduleTime; Forbid waits for the running Job", async () => {
    advanceTo("2030-01-01T00:01:00Z");
    await plane.client.create(cronJob("forbid", { concurrencyPolicy: "Forbid" }), "default");
    // The CronJob was created (real time) long before 2030: the deadline-less earliest time is its
    // creation, so no more than the most recent missed time would start. Jump to the first slot.
    advanceTo("2030-01-01T00:05:01Z");
    await eventually("first job", async () => (await jobsOf("forbid")).length === 1);
    expect(await jobsOf("forbid")).toEqual([`forbid-${minutes("2030-01-01T00:05:00Z")}`]);
    const cj = await plane.client.get<CronJob>("CronJob", "forbid", "default");
    await eventually("status", async () => {
      const s = (await plane.client.get<CronJob>("CronJob", "forbid", "default")).status;
      return s?.lastScheduleTime === "2030-01-01T00:05:00Z" && s.active?.length === 1;
    });
    const job = await plane.client.get<Job>("Job", `forbid-${minutes("2030-01-01T00:05:00Z")}`, "default");
    expect(job.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe("2030-01-01T00:05:00Z");
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", uid: cj.metadata.uid, controller: true });

    advanceTo("2030-01-01T00:10:01Z");
    await eventually("Forbid reported", async () => (await plane.client.list<Event>("Event", { namespace: "default" })).items.some((e) => e.involvedObject.name === "forbid" && e.reason === "JobAlreadyActive"));
    expect(await jobsOf("forbid")).toHaveLength(1);

    await finish(job.metadata.name!, "Complete", "2030-01-01T00:10:30Z");
    advanceTo("2030-01-01T00:15:01Z");
    await eventually("second job after the first completed", async () => (await jobsOf("forbid")).length === 2);
    await eventually("lastSuccessfulTime", async () => (await plane.client.get<CronJob>("CronJob", "forbid", "default")).status?.lastSuccessfulTime === "2030-01-01T00:10:30Z");
  });

  it("Replace deletes the running Job and starts the new one; history limits keep the newest finished Jobs", async () => {
    advanceTo("2030-01-01T00:16:00Z");
    await plane.client.create({ ...cronJob("repl", { concurrencyPolicy: "Replace", successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }) }, "default");
    advanceTo("2030-01-01T00:20:01Z");
    const first = `repl-${minutes("2030-01-01T00:20:00Z")}`;
    await eventually("first", async () => (await jobsOf("repl")).includes(first));
    advanceTo("2030-01-01T00:25:01Z");
    const second = `repl-${minutes("2030-01-01T00:25:00Z")}`;
    await eventually("replaced", async () => JSON.stringify(await jobsOf("repl")) === JSON.stringify([second]));

    await finish(second, "Complete", "2030-01-01T00:26:00Z");
    advanceTo("2030-01-01T00:30:01Z");
    const third = `repl-${minutes("2030-01-01T00:30:00Z")}`;
    await eventually("third", async () => (await jobsOf("repl")).includes(third));
    await finish(third, "Complete", "2030-01-01T00:31:00Z");
    // Two Complete, limit 1: the older one goes.
    await eventually("history limit", async () => JSON.stringify(await jobsOf("repl")) === JSON.stringify([third]));
  });

  it("after more than 100 missed times warns and starts only the most recent one", async () => {
    advanceTo("2030-01-01T00:40:00Z");
    await plane.client.create(cronJob("missed", { schedule: "* * * * *" }), "default");
    advanceTo("2030-01-01T00:40:01Z");
    await eventually("first", async () => (await jobsOf("missed")).length === 1);
    // The controller "was down" for 3 hours.
    advanceTo("2030-01-01T03:40:30Z");
    await eventually("the most recent missed time started", async () => (await jobsOf("missed")).includes(`missed-${minutes("2030-01-01T03:40:00Z")}`));
    expect(await jobsOf("missed")).toHaveLength(2);
    await eventually("warning", async () => (await plane.client.list<Event>("Event", { namespace: "default" })).items.some((e) => e.involvedObject.name === "missed" && e.reason === "TooManyMissedTimes" && e.type === "Warning"));
  });

  it("a missed time beyond startingDeadlineSeconds is not started", async () => {
    advanceTo("2030-01-02T00:00:10Z");
    await plane.client.create(cronJob("late", { schedule: "0 * * * *", startingDeadlineSeconds: 60 }), "default");
    advanceTo("2030-01-02T01:05:00Z"); // 5 minutes after 01:00, deadline 60 s
    await eventually("MissSchedule reported", async () => (await plane.client.list<Event>("Event", { namespace: "default" })).items.some((e) => e.involvedObject.name === "late" && e.reason === "MissSchedule" && e.message?.includes("01:00:00 +0000")));
    expect(await jobsOf("late")).toEqual([]);
    advanceTo("2030-01-02T02:00:30Z");
    await eventually("the next one, inside its deadline", async () => (await jobsOf("late")).length === 1);
  });

  it("deleting a CronJob deletes its Jobs and their pods", async () => {
    const jobs = await jobsOf("forbid");
    expect(jobs.length).toBeGreaterThan(0);
    await eventually("a pod of the active job", async () => (await plane.client.list<Pod>("Pod", { namespace: "default" })).items.some((p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === jobs[jobs.length - 1]));
    await plane.client.delete("CronJob", "forbid", { namespace: "default" });
    await eventually("jobs gone", async () => (await plane.client.list<Job>("Job", { namespace: "default" })).items.every((j) => !jobs.includes(j.metadata.name!)), { timeoutMs: 15_000 });
    await eventually("pods gone", async () => (await plane.client.list<Pod>("Pod", { namespace: "default" })).items.every((p) => !jobs.includes(p.metadata.labels?.["batch.kubernetes.io/job-name"] ?? "")), { timeoutMs: 15_000 });
  });

  it("refuses a bad schedule, a seconds field, TZ= and an unknown time zone with 422 naming the field", async () => {
    for (const [spec, field] of [
      [{ schedule: "61 * * * *" }, "spec.schedule"],
      [{ schedule: "0 0 * * * *" }, "spec.schedule"],
      [{ schedule: "TZ=UTC 0 * * * *" }, "spec.schedule"],
      [{ schedule: "@every 1h" }, "spec.schedule"],
      [{ timeZone: "Mars/Olympus" }, "spec.timeZone"],
      [{ concurrencyPolicy: "Sometimes" as "Allow" }, "spec.concurrencyPolicy"],
    ] as const) {
      const err = await plane.client.create(cronJob("bad", spec), "default").catch((e: unknown) => e);
      expect(isInvalid(err), JSON.stringify(spec)).toBe(true);
      expect((err as Error).message).toContain(field);
    }
    await expect(plane.client.get("CronJob", "bad", "default")).rejects.toThrow(/not found/);
    const ok = await plane.client.create<CronJob>(cronJob("tz", { schedule: "@daily", timeZone: "Europe/Paris" }), "default");
    expect(ok.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });
});
