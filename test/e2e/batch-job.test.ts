/**
 * Jobs on real Docker: a kubelet on a loopback node, the controllers and the scheduler in process.
 * 6 completions at parallelism 2 never run more than 2 pods at once (checked at every pod watch
 * event) and end Complete; a failing Job stops after backoffLimit with BackoffLimitExceeded; an
 * Indexed Job's pods see JOB_COMPLETION_INDEX 0..N-1, each exactly once; restartPolicy Always is
 * refused with 422 and nothing stored; a running pod deleted by hand counts as failed; a CronJob
 * due every minute starts its Job at the minute, which completes on the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_JOB_NAME } from "../../lib/batch/job-labels.js";
import { isInvalid } from "../../lib/errors.js";
import type { CronJob, Job, Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startControllerManager, type ControllerManager } from "../../controllers/index.js";
import type { ApiClient } from "../../lib/client.js";
import { silentLogger } from "../../lib/logger.js";
import { startScheduler, type RunningScheduler } from "../../scheduler/index.js";
import { assertDockerReady, docker, runId, startNodeKubelet, type NodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** One node joined as a real node (its own credential and serving certificate: logs go through the API server), controllers and scheduler in process. */
let c: { srv: TestServer; client: ApiClient; node: NodeKubelet; cm: ControllerManager; sched: RunningScheduler };
const k = (...args: string[]) => kctl(["--kubeconfig", c.srv.kubeconfigPath, ...args]);
const kubectl = (...args: string[]) => kubectlAgainst(c.srv, args);

beforeAll(async () => {
  assertKubectl("these tests read Jobs and CronJobs with the real kubectl");
  await assertDockerReady(docker(), ["kctl-test/busybox:v1"]);
  const srv = await startTestServer({ tls: true });
  const run = runId("job");
  const cm = await startControllerManager({ client: srv.client, logger: silentLogger() });
  const sched = await startScheduler({ client: srv.client, logger: silentLogger() });
  const node = await startNodeKubelet(srv, run, run);
  c = { srv, client: srv.client, node, cm, sched };
  // A CronJob due every minute: created first so its run overlaps the other tests (checked last).
  cronCreatedAt = Date.now();
  await srv.client.create<CronJob>({
    apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "minutely", namespace: "default" },
    spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "tick", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["sh", "-c", "echo tick"] }] } } } } },
  } as CronJob, "default");
}, 60_000);
let cronCreatedAt = 0;
afterAll(async () => {
  await c?.node.stop();
  await c?.sched.stop();
  await c?.cm.stop();
  await c?.srv.close();
});

function job(name: string, spec: Partial<Job["spec"]>, command: string[], restartPolicy: "Never" | "OnFailure" | "Always" = "Never"): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "default" },
    spec: {
      ...spec,
      template: { spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command }] } },
    },
  } as Job;
}

const condition = (j: Job, type: string) => j.status?.conditions?.find((x) => x.type === type && x.status === "True");

async function logsOf(pod: Pod): Promise<string> {
  const id = pod.status?.containerStatuses?.[0]?.containerID?.replace("docker://", "") ?? "";
  const buf = (await docker().getContainer(id).logs({ stdout: true, stderr: true })) as unknown as Buffer;
  // Multiplexed stream: 8-byte headers before each chunk.
  let out = "";
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off + 4);
    out += buf.subarray(off + 8, off + 8 + len).toString("utf8");
    off += 8 + len;
  }
  return out.trim();
}

describe("Jobs on real Docker", () => {
  it("runs 6 completions at parallelism 2, never more than 2 at once, and ends Complete", async () => {
    const list = await c.client.list<Pod>("Pod", { namespace: "default" });
    const live = new Map<string, Pod>();
    let maxActive = 0;
    let seen = 0;
    const isActive = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
    const watch = c.client.watch<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=six`, resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      seen++;
      if (ev.type === "DELETED") live.delete(ev.object.metadata.uid ?? "");
      else live.set(ev.object.metadata.uid ?? "", ev.object);
      maxActive = Math.max(maxActive, [...live.values()].filter(isActive).length);
    });
    try {
      await c.client.create(job("six", { completions: 6, parallelism: 2 }, ["sh", "-c", "sleep 0.3"]), "default");
      await eventually("job six Complete", async () => Boolean(condition(await c.client.get<Job>("Job", "six", "default"), "Complete")), { timeoutMs: 90_000 });
    } finally {
      watch.stop();
    }
    expect(seen).toBeGreaterThan(6);
    expect(maxActive).toBe(2);
    const j = await c.client.get<Job>("Job", "six", "default");
    expect(j.status?.succeeded).toBe(6);
    expect(j.status?.failed ?? 0).toBe(0);
    expect(j.status?.active).toBe(0);
    expect(j.status?.completionTime).toBeTruthy();
    expect(j.status?.startTime).toBeTruthy();
    expect(condition(j, "Complete")?.reason).toBe("CompletionsReached");
    const succeeded = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=six` })).items.filter((p) => p.status?.phase === "Succeeded");
    expect(succeeded.length).toBe(6);
    const table = await k("get", "jobs");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(table.stdout).toMatch(/^six\s+Complete\s+6\/6\s+\S+\s+\S+$/m);
  }, 120_000);

  it("stops a failing Job after backoffLimit retries with BackoffLimitExceeded", async () => {
    await c.client.create(job("fails", { backoffLimit: 1 }, ["sh", "-c", "exit 3"]), "default");
    await eventually("job fails Failed", async () => Boolean(condition(await c.client.get<Job>("Job", "fails", "default"), "Failed")), { timeoutMs: 90_000 });
    const j = await c.client.get<Job>("Job", "fails", "default");
    expect(condition(j, "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(j.status?.failed).toBe(2);
    expect(j.status?.succeeded ?? 0).toBe(0);
    const pods = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=fails` })).items;
    expect(pods.length).toBe(2);
    expect(pods.every((p) => p.status?.phase === "Failed")).toBe(true);
    // The second pod waited for Kubernetes' 10 s failure back-off after the first failed.
    const started = pods.map((p) => Date.parse(p.metadata.creationTimestamp ?? "")).sort((a, b) => a - b);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(10_000);
    expect((await k("get", "job", "fails")).stdout).toMatch(/^fails\s+Failed\s+0\/1\s/m);
  }, 120_000);

  it("a running pod deleted by hand counts as failed (tracking finalizer) and is replaced after the back-off", async () => {
    await c.client.create(job("deleted", { completions: 1, backoffLimit: 3 }, ["sh", "-c", "sleep 1000"]), "default");
    const sel = { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=deleted` };
    const first = await eventually("a running pod of job deleted", async () => (await c.client.list<Pod>("Pod", sel)).items.find((p) => p.status?.phase === "Running"));
    expect(first.metadata.finalizers).toEqual(["batch.kubernetes.io/job-tracking"]);
    await c.client.delete("Pod", first.metadata.name!, { namespace: "default" });
    // Counted once, and the pod goes: the controller removed its finalizer after recording it.
    const j = await eventually("failed: 1, nothing uncounted", async () => {
      const x = await c.client.get<Job>("Job", "deleted", "default");
      return x.status?.failed === 1 && !x.status.uncountedTerminatedPods?.failed?.length ? x : undefined;
    }, { timeoutMs: 30_000 });
    expect(j.status?.succeeded ?? 0).toBe(0);
    await eventually("the deleted pod is gone", async () => !(await c.client.list<Pod>("Pod", sel)).items.some((p) => p.metadata.uid === first.metadata.uid), { timeoutMs: 30_000 });
    const second = await eventually("a replacement pod", async () => (await c.client.list<Pod>("Pod", sel)).items.find((p) => p.metadata.uid !== first.metadata.uid), { timeoutMs: 30_000 });
    expect(second.metadata.finalizers).toEqual(["batch.kubernetes.io/job-tracking"]);
    // Deleting the Job releases its pods: none is left behind with the finalizer.
    await c.client.delete("Job", "deleted", { namespace: "default", propagationPolicy: "Foreground" });
    await eventually("the Job and its pods gone", async () => (await c.client.list<Pod>("Pod", sel)).items.length === 0 && !(await c.client.get<Job>("Job", "deleted", "default").catch(() => undefined)), { timeoutMs: 30_000 });
  }, 90_000);

  it("gives an Indexed Job's pods the indexes 0..N-1, each exactly once", async () => {
    await c.client.create(job("idx", { completions: 4, parallelism: 4, completionMode: "Indexed" }, ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX"]), "default");
    await eventually("job idx Complete", async () => Boolean(condition(await c.client.get<Job>("Job", "idx", "default"), "Complete")), { timeoutMs: 90_000 });
    const j = await c.client.get<Job>("Job", "idx", "default");
    expect(j.status?.completedIndexes).toBe("0-3");
    const pods = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=idx` })).items;
    expect(pods.length).toBe(4);
    const printed = (await Promise.all(pods.map(logsOf))).sort();
    expect(printed).toEqual(["index=0", "index=1", "index=2", "index=3"]);
    for (const p of pods) {
      const i = p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"];
      expect(p.metadata.name?.startsWith(`idx-${i}-`)).toBe(true);
      expect(p.spec.hostname).toBe(`idx-${i}`);
    }
  }, 120_000);

  it("refuses restartPolicy Always with 422 naming the field, and stores nothing", async () => {
    const err = await c.client.create(job("always", {}, ["true"], "Always"), "default").catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toContain("spec.template.spec.restartPolicy");
    await expect(c.client.get("Job", "always", "default")).rejects.toThrow(/not found/);
    const neg = await c.client.create(job("neg", { parallelism: -1 }, ["true"]), "default").catch((e: unknown) => e);
    expect((neg as Error).message).toContain("spec.parallelism");
    const policy = await c.client.create(job("policy", { successPolicy: { rules: [{ succeededCount: 1 }] } }, ["true"]), "default").catch((e: unknown) => e);
    expect((policy as Error).message).toMatch(/spec\.successPolicy: .*requires indexed completion mode/);
    const big = await c.client.create(job("big", { completionMode: "Indexed", completions: 3, successPolicy: { rules: [{ succeededIndexes: "0-1", succeededCount: 3 }, { succeededIndexes: "2-5" }] } }, ["true"]), "default").catch((e: unknown) => e);
    expect((big as Error).message).toContain("spec.successPolicy.rules[0].succeededCount");
    expect((big as Error).message).toContain("must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)");
    expect((big as Error).message).toContain("spec.successPolicy.rules[1].succeededIndexes");
    await expect(c.client.get("Job", "big", "default")).rejects.toThrow(/not found/);
  });

  it("Indexed: backoffLimitPerIndex fails only the failing index (FailedIndexes); a successPolicy completes early and stops the rest", async () => {
    await c.client.create(job("per-index", { completionMode: "Indexed", completions: 2, parallelism: 2, backoffLimitPerIndex: 0 }, ["sh", "-c", "exit $JOB_COMPLETION_INDEX"]), "default");
    await c.client.create(job("early", { completionMode: "Indexed", completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: "0" }] } }, ["sh", "-c", "[ $JOB_COMPLETION_INDEX = 0 ] || sleep 1000"]), "default");
    const failed = await eventually("per-index Failed", async () => {
      const j = await c.client.get<Job>("Job", "per-index", "default");
      return condition(j, "Failed") ? j : undefined;
    }, { timeoutMs: 60_000 });
    expect(condition(failed, "Failed")).toMatchObject({ reason: "FailedIndexes", message: "Job has failed indexes" });
    expect(failed.status).toMatchObject({ completedIndexes: "0", failedIndexes: "1", succeeded: 1, failed: 1 });
    const early = await eventually("early Complete", async () => {
      const j = await c.client.get<Job>("Job", "early", "default");
      return condition(j, "Complete") ? j : undefined;
    }, { timeoutMs: 60_000 });
    expect(condition(early, "Complete")).toMatchObject({ reason: "SuccessPolicy", message: "Matched rules at index 0" });
    expect(early.status?.completedIndexes).toBe("0");
    const left = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=early` })).items;
    expect(left.filter((p) => p.status?.phase !== "Succeeded" && !p.metadata.deletionTimestamp)).toEqual([]);
  }, 90_000);

  it("leaves a Job whose spec.managedBy names another controller alone: no pods, no status", async () => {
    await c.client.create(job("elsewhere", { managedBy: "example.com/multikueue" }, ["true"]), "default");
    // A Job created after it is handled by the same queue: once it has its pod, the first was seen.
    await c.client.create(job("here", {}, ["true"]), "default");
    await eventually("job here has a pod", async () => (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=here` })).items.length > 0);
    expect((await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: `${LABEL_JOB_NAME}=elsewhere` })).items).toEqual([]);
    expect((await c.client.get<Job>("Job", "elsewhere", "default")).status ?? {}).toEqual({});
  });

  it("kctl create job, wait --for=condition=complete, logs job/NAME; create cronjob and job --from=cronjob/X; kubectl reads them", async () => {
    const created = await k("create", "job", "hello", "--image=kctl-test/busybox:v1", "--", "sh", "-c", "echo hello from a job");
    expect(created.stderr).toBe("");
    expect(created.stdout).toBe("job.batch/hello created\n");
    const waited = await k("wait", "--for=condition=complete", "job/hello", "--timeout=60s");
    expect(waited.stdout).toBe("job.batch/hello condition met\n");
    expect(waited.code).toBe(0);
    const logs = await k("logs", "job/hello");
    expect(logs.stderr).toBe("");
    expect(logs.stdout).toBe("hello from a job\n");

    const cj = await k("create", "cronjob", "nightly", "--image=kctl-test/busybox:v1", "--schedule=0 3 * * *", "--", "sh", "-c", "echo nightly report");
    expect(cj.stdout).toBe("cronjob.batch/nightly created\n");
    const now = await k("create", "job", "nightly-now", "--from=cronjob/nightly");
    expect(now.stdout).toBe("job.batch/nightly-now created\n");
    const j = await c.client.get<Job>("Job", "nightly-now", "default");
    expect(j.metadata.annotations?.["cronjob.kubernetes.io/instantiate"]).toBe("manual");
    expect(j.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "nightly" });
    expect(j.spec.template.spec.restartPolicy).toBe("OnFailure");
    expect((await k("wait", "--for=condition=complete", "job/nightly-now", "--timeout=60s")).code).toBe(0);
    expect((await k("logs", "job/nightly-now")).stdout).toBe("nightly report\n");

    const bad = await k("create", "cronjob", "bad", "--image=kctl-test/busybox:v1", "--schedule=61 * * * *");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("spec.schedule");
    expect(bad.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    const from = await k("create", "job", "x", "--from=deployment/web");
    expect(from.code).not.toBe(0);

    const kj = await kubectl("get", "jobs");
    expect(kj.stderr).toBe("");
    expect(kj.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(kj.stdout).toMatch(/^hello\s+Complete\s+1\/1\s/m);
    const kc = await kubectl("get", "cronjobs");
    expect(kc.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
    expect(kc.stdout).toMatch(/^nightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s/m);
    const all = await k("get", "all");
    expect(all.stdout).toContain("job.batch/hello");
    expect(all.stdout).toContain("cronjob.batch/nightly");
    const desc = await kubectl("describe", "job", "hello");
    expect(desc.code).toBe(0);
    expect(desc.stdout).toMatch(/Pods Statuses:\s+0 Active .* 1 Succeeded \/ 0 Failed/);
    const kd = await k("describe", "job", "hello");
    expect(kd.stdout).toMatch(/^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m);
    expect(kd.stdout).toMatch(/^Completion Mode:\s+NonIndexed$/m);
    const kdc = await k("describe", "cronjob", "nightly");
    expect(kdc.stdout).toMatch(/^Schedule:\s+0 3 \* \* \*$/m);
    expect(kdc.stdout).toMatch(/^Concurrency Policy:\s+Allow$/m);
    // kubectl's own generator and --from against kctl's API
    const kcreate = await kubectl("create", "job", "kk", "--from=cronjob/nightly");
    expect(kcreate.stdout).toBe("job.batch/kk created\n");
    expect((await kubectl("wait", "--for=condition=complete", "job/kk", "--timeout=60s")).code).toBe(0);
  }, 180_000);
  it("a CronJob's scheduled run starts a Job at the minute that runs to completion; the CronJob records it", async () => {
    // Due at the next minute boundary after the CronJob's creation (at most 60 s, plus the run).
    const due = Math.ceil((cronCreatedAt + 1) / 60_000) * 60_000;
    const cj = await eventually("minutely: lastSuccessfulTime", async () => {
      const x = await c.client.get<CronJob>("CronJob", "minutely", "default");
      return x.status?.lastSuccessfulTime ? x : undefined;
    }, { timeoutMs: Math.max(10_000, due - Date.now() + 45_000), intervalMs: 250 });
    // A slow run may have reached later minutes too: the first scheduled run is the one checked.
    expect(Date.parse(cj.status!.lastScheduleTime!)).toBeGreaterThanOrEqual(due);
    const jobs = (await c.client.list<Job>("Job", { namespace: "default" })).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === "minutely");
    expect(jobs.map((j) => j.metadata.name)).toContain(`minutely-${due / 60_000}`);
    const first = jobs.find((j) => j.metadata.name === `minutely-${due / 60_000}`)!;
    expect(first.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"]).toBe(new Date(due).toISOString().replace(".000Z", "Z"));
    expect(condition(first, "Complete")).toBeTruthy();
    expect((await k("logs", `job/${first.metadata.name}`)).stdout).toBe("tick\n");
    expect((await k("get", "cronjob", "minutely")).stdout).toMatch(/^minutely\s+\* \* \* \* \*\s+<none>\s+False\s+\d+\s+\d+s\s/m);
    await c.client.patch("CronJob", "minutely", { spec: { suspend: true } }, { namespace: "default" });
  }, 120_000);
});
