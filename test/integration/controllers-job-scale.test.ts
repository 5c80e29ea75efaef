/**
 * A Job at scale on simulated nodes (no containers: bench/sim-job-pods.ts plays the containers
 * that exit 0): 300 completions at parallelism 50 on 10 nodes never run more than 50 pods at once
 * (checked at every pod watch event), and end Complete with 300 succeeded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completeJobPods, type JobPodCompleter } from "../../bench/sim-job-pods.js";
import type { Job, Pod } from "../../lib/types.js";
import { eventually } from "../helpers/eventually.js";
import { startPlane, type Plane } from "./controllers-harness.js";

let plane: Plane;
let completer: JobPodCompleter;
beforeAll(async () => {
  plane = await startPlane({ nodes: 10 });
  completer = await completeJobPods(plane.client, "default");
}, 30_000);
afterAll(async () => {
  completer?.stop();
  await plane?.close();
});

describe("a Job at scale", () => {
  it("runs 300 completions at parallelism 50, never more than 50 at once", async () => {
    const list = await plane.client.list<Pod>("Pod", { namespace: "default" });
    const pods = new Map<string, Pod>();
    let maxActive = 0;
    const active = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
    const watch = plane.client.watch<Pod>("Pod", { namespace: "default", labelSelector: "batch.kubernetes.io/job-name=big", resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") pods.delete(ev.object.metadata.uid ?? "");
      else if (ev.type === "ADDED" || ev.type === "MODIFIED") pods.set(ev.object.metadata.uid ?? "", ev.object);
      maxActive = Math.max(maxActive, [...pods.values()].filter(active).length);
    });
    try {
      await plane.client.create<Job>({
        apiVersion: "batch/v1", kind: "Job", metadata: { name: "big", namespace: "default" },
        spec: { completions: 300, parallelism: 50, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] } } },
      } as Job, "default");
      await eventually("big Complete", async () => (await plane.client.get<Job>("Job", "big", "default")).status?.conditions?.some((c) => c.type === "Complete") ?? false, { timeoutMs: 60_000 });
    } finally {
      watch.stop();
    }
    const j = await plane.client.get<Job>("Job", "big", "default");
    expect(j.status).toMatchObject({ succeeded: 300, active: 0, failed: 0 });
    // Pods finish as soon as they run, so the slow-start batches rarely fill all 50 slots at once.
    expect(maxActive).toBeLessThanOrEqual(50);
    expect(maxActive).toBeGreaterThan(10);
    expect(pods.size).toBe(300);
  }, 90_000);
});
