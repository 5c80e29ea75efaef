/**
 * Per-pod workers on a real engine: a pod that takes its whole grace period to stop never holds
 * another pod back. 12 pods whose container ignores SIGTERM (grace 5 s) are deleted at once and
 * are all gone in one grace period (not 12/10 of them), and a pod created meanwhile is Running
 * within 2 s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { createLogger } from "../../lib/logger.js";
import { startKubeletCluster, type KubeletCluster } from "../helpers/docker.js";
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

async function podNames(): Promise<string[]> {
  return (await c.client.list<Pod>("Pod", { namespace: "default" })).items.map((p) => p.metadata.name!);
}

describe("per-pod workers (real Docker)", () => {
  it("12 SIGTERM-ignoring pods (grace 5 s) deleted at once are gone within 8 s; a new pod runs within 2 s meanwhile", async () => {
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
    console.info(`12 SIGTERM-ignoring pods, grace 5 s: gone after ${goneMs} ms; a pod created meanwhile Running after ${startMs} ms`);
    expect(startMs).toBeLessThan(2_000);
    expect(goneMs).toBeGreaterThanOrEqual(5_000);
    expect(goneMs).toBeLessThan(8_000);
  });
});
