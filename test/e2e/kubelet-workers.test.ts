/**
 * Per-pod workers on a real engine: a pod that takes its whole grace period to stop never holds
 * another pod back. 12 pods whose container ignores SIGTERM (grace 5 s) are deleted at once and
 * are all gone in one grace period (not 12/10 of them), and a pod created meanwhile is Running
 * within 2 s. On a box loaded by other work, the bounds follow the engine's own floor measured in
 * the same test (see engineFloor).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { createLogger } from "../../lib/logger.js";
import { dockerCli, removeByLabel, docker, startKubeletCluster, TEST_RUN_LABEL, type KubeletCluster } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

let c: KubeletCluster;
let node: string;

beforeAll(async () => {
  c = await startKubeletCluster({ prefix: "kt-work", ...(process.env.KT_LOG ? { logger: createLogger({ level: "debug", destination: process.env.KT_LOG }) } : {}) });
  node = c.nodes[0]!;
});
afterAll(async () => {
  await c?.close();
});

/** A busybox pod whose shell ignores SIGTERM: only the SIGKILL at the end of the grace period stops it. */
function stubborn(name: string, grace: number): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "stubborn" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: grace,
      containers: [{ name: "c", image: "kctl-test/busybox:v1", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", 'trap "" TERM; while true; do sleep 1; done'] }],
    },
  };
}

/**
 * The engine's own floor on this machine right now: `docker stop -t 5` of 12 SIGTERM-ignoring
 * containers at once, and one `docker run -d` while they stop. On a quiet machine that is about
 * 5.5 s and 0.3 s; a box loaded by other work stretches both, and the bounds below stretch with
 * them (never below the 8 s and 2 s).
 */
async function engineFloor(run: string): Promise<{ stopMs: number; runMs: number }> {
  const label = `${TEST_RUN_LABEL}=${run}-floor`;
  const ids = await Promise.all(Array.from({ length: 12 }, () => dockerCli("run", "-d", "--label", label, "kctl-test/busybox:v1", "sh", "-c", 'trap "" TERM; while true; do sleep 1; done')));
  const t0 = Date.now();
  const stopped = Promise.all(ids.map((id) => dockerCli("stop", "-t", "5", id)));
  const r0 = Date.now();
  await dockerCli("run", "-d", "--label", label, "kctl-test/busybox:v1", "sleep", "1000");
  const runMs = Date.now() - r0;
  await stopped;
  const stopMs = Date.now() - t0;
  await removeByLabel(docker(), TEST_RUN_LABEL, `${run}-floor`);
  return { stopMs, runMs };
}

async function podNames(): Promise<string[]> {
  return (await c.client.list<Pod>("Pod", { namespace: "default" })).items.map((p) => p.metadata.name!);
}

describe("per-pod workers (real Docker)", () => {
  it("12 SIGTERM-ignoring pods (grace 5 s) deleted at once are gone within 8 s; a new pod runs within 2 s meanwhile", async () => {
    const floor = await engineFloor(c.run);
    const names = Array.from({ length: 12 }, (_, i) => `stub-${i}`);
    await Promise.all(names.map((n) => c.client.create(stubborn(n, 5))));
    await eventually("12 pods Running", async () => {
      const ps = (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=stubborn" })).items;
      return ps.length === 12 && ps.every((p) => p.status?.containerStatuses?.[0]?.state?.running);
    }, { timeoutMs: 30_000 });

    const t0 = Date.now();
    await Promise.all(names.map((n) => c.client.delete("Pod", n, { namespace: "default" })));

    // While all 12 wait out their grace period, a new pod starts at once.
    const created = Date.now();
    await c.client.create({ ...stubborn("newcomer", 1), metadata: { name: "newcomer", namespace: "default" } });
    await eventually("newcomer Running", async () => {
      const p = await c.client.get<Pod>("Pod", "newcomer", "default");
      return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.state?.running;
    }, { timeoutMs: 5_000, intervalMs: 20 });
    const startMs = Date.now() - created;

    await eventually("the 12 pods gone", async () => (await podNames()).every((n) => !names.includes(n)), { timeoutMs: 15_000, intervalMs: 50 });
    const goneMs = Date.now() - t0;
    console.info(`12 SIGTERM-ignoring pods, grace 5 s: gone after ${goneMs} ms (engine floor ${floor.stopMs} ms); a pod created meanwhile Running after ${startMs} ms (docker run meanwhile ${floor.runMs} ms)`);
    expect(goneMs).toBeGreaterThanOrEqual(5_000);
    // One grace period plus the engine's own stop time, never 12/10 of them in sequence.
    expect(goneMs).toBeLessThan(Math.max(8_000, floor.stopMs + 1_500));
    // A pod start is two containers (sandbox + app): allow twice the engine's docker run.
    expect(startMs).toBeLessThan(Math.max(2_000, 2 * floor.runMs + 500));
  });
});
