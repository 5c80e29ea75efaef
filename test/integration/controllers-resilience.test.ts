import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, type WatchHandle, type WatchOptions } from "../../lib/client.js";
import type { Deployment, KObject, Pod, ReplicaSet, WatchEvent } from "../../lib/types.js";
import { live, podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment, makeReplicaSet } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

/** A client whose watch events arrive late (in order): an overloaded or distant API server. */
class SlowWatchClient extends ApiClient {
  constructor(server: string, token: string, private readonly delayMs: number) {
    super({ server, token });
  }
  override watch<T extends KObject = KObject>(kind: string, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    return super.watch<T>(kind, opts, (ev) => setTimeout(() => onEvent(ev), this.delayMs));
  }
}

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 3 });
});
afterAll(async () => {
  await plane?.close();
});

describe("controller resilience", () => {
  it("controllers restarted mid-rollout finish it correctly", async () => {
    const { client } = plane;
    await client.create(makeDeployment("restart", 6, { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, minReadySeconds: 1 } }));
    await eventually("restart rolled out", () => rolledOut(client, "restart"), { timeoutMs: 30_000 });
    await client.patch("Deployment", "restart", { spec: { template: { spec: { containers: [{ name: "restart", image: "web:v2" }] } } } }, { namespace: "default" });
    // Stop the controllers once the rollout is under way (minReadySeconds keeps it slow).
    await eventually("rollout under way", async () => {
      const d = await client.get<Deployment>("Deployment", "restart", "default");
      return (d.status?.updatedReplicas ?? 0) >= 1;
    });
    await plane.stopControllers();
    const mid = await client.get<Deployment>("Deployment", "restart", "default");
    expect(mid.status?.updatedReplicas ?? 0).toBeLessThan(6);
    await plane.startControllers();
    const d = await eventually("rollout finished after restart", async () => {
      const d = await rolledOut(client, "restart");
      return d && d.spec.template.spec.containers[0].image === "web:v2" ? d : undefined;
    }, { timeoutMs: 40_000 });
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    const rss = (await client.list<ReplicaSet>("ReplicaSet", { namespace: "default", labelSelector: "app=restart" })).items;
    expect(rss.map((r) => `${r.spec.template.spec.containers[0].image}=${r.spec.replicas}`).sort()).toEqual(["web:v1=0", "web:v2=6"]);
    await eventually("only new pods", async () => {
      const pods = (await podsOf(client, "restart")).filter(live);
      return pods.length === 6 && pods.every((p) => p.spec.containers[0].image === "web:v2");
    });
  });

  it("a slow watch never causes double creation (expectations)", async () => {
    const { client, server } = plane;
    await plane.stopControllers();
    await plane.startControllers({ client: new SlowWatchClient(server.url, server.token, 400) });
    // Count every pod ever created for the ReplicaSet through our own (fast) watch.
    const list = await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=slow" });
    const created = new Set<string>();
    const watch = client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=slow", resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "ADDED") created.add(ev.object.metadata.name ?? "");
    });
    await client.create(makeReplicaSet("slow", 20));
    await eventually("20 ready", async () => {
      const r = await client.get<ReplicaSet>("ReplicaSet", "slow", "default");
      return r.status?.readyReplicas === 20 && r.status.observedGeneration === r.metadata.generation;
    }, { timeoutMs: 30_000 });
    // Status writes, pod updates and resyncs all re-run the reconcile: still exactly 20.
    await client.patch("ReplicaSet", "slow", { metadata: { labels: { touched: "yes" } } }, { namespace: "default" });
    await eventually("pods settle", async () => (await podsOf(client, "slow")).length === 20 && created.size >= 20);
    watch.stop();
    expect(created.size).toBe(20);
    await plane.stopControllers();
    await plane.startControllers();
  });

  it("reports ProgressDeadlineExceeded when a rollout cannot progress", async () => {
    const { client } = plane;
    await client.create(makeDeployment("stuck", 2, { podSpec: { nodeSelector: { nowhere: "true" } }, spec: { progressDeadlineSeconds: 1 } }));
    const d = await eventually("deadline exceeded", async () => {
      const d = await client.get<Deployment>("Deployment", "stuck", "default");
      return d.status?.conditions?.find((c) => c.type === "Progressing" && c.reason === "ProgressDeadlineExceeded") ? d : undefined;
    }, { timeoutMs: 15_000 });
    expect(d.status?.conditions?.find((c) => c.type === "Progressing")?.status).toBe("False");
    expect(d.status?.conditions?.find((c) => c.type === "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
  });
});
