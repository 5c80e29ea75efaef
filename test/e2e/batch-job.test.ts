/**
 * Jobs on real Docker: a kubelet on a loopback node, the controllers and the scheduler in process.
 * 6 completions at parallelism 2 never run more than 2 pods at once (checked at every pod watch
 * event) and end Complete; a failing Job stops after backoffLimit with BackoffLimitExceeded; an
 * Indexed Job's pods see JOB_COMPLETION_INDEX 0..N-1, each exactly once; restartPolicy Always is
 * refused with 422 and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_JOB_NAME } from "../../lib/batch/job-labels.js";
import { isInvalid } from "../../lib/errors.js";
import type { Job, Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { docker } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startSvcCluster, type SvcCluster } from "./services-cluster.js";

let c: SvcCluster;
const k = (...args: string[]) => kctl(["--kubeconfig", c.srv.kubeconfigPath, ...args]);

beforeAll(async () => {
  c = await startSvcCluster("job", 1, { images: ["kctl-test/busybox:v1"] });
}, 60_000);
afterAll(async () => {
  await c?.close();
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
  });
});
