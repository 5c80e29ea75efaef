import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import type { Deployment, Pod, ReplicaSet, WatchEvent } from "../../lib/types.js";
import { isReady, live, podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 4 });
});
afterAll(async () => {
  await plane?.close();
});

const replicaSetsOf = async (client: ApiClient, app: string) => (await client.list<ReplicaSet>("ReplicaSet", { namespace: "default", labelSelector: `app=${app}` })).items;
const setImage = (client: ApiClient, name: string, image: string) =>
  client.patch<Deployment>("Deployment", name, { spec: { template: { spec: { containers: [{ name, image, ports: [{ name: "http", containerPort: 8080 }] }] } } } }, { namespace: "default" });

describe("Deployment controller (real API server, simulated nodes)", () => {
  it("a 10-replica deployment becomes available", async () => {
    const { client } = plane;
    await client.create(makeDeployment("web", 10));
    const d = await eventually("web rolled out", () => rolledOut(client, "web"));
    expect(d.status?.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    expect(d.status?.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    const pods = (await podsOf(client, "web")).filter(live);
    expect(pods).toHaveLength(10);
    expect(pods.every(isReady)).toBe(true);
    const rss = await replicaSetsOf(client, "web");
    expect(rss).toHaveLength(1);
    expect(rss[0].metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(pods.every((p) => p.metadata.labels?.["pod-template-hash"] === rss[0].metadata.labels?.["pod-template-hash"])).toBe(true);
  });

  for (const [surge, unavailable, minSurge, maxUnavail] of [["25%", "25%", 3, 2], [0, 1, 0, 1], [2, 0, 2, 0]] as const) {
    it(`rolling update (maxSurge=${surge}, maxUnavailable=${unavailable}): bounds hold at every pod event`, async () => {
      const { client } = plane;
      const name = `roll-${String(surge).replace(/%/g, "p")}-${String(unavailable).replace(/%/g, "p")}`;
      await client.create(makeDeployment(name, 10, { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } } }));
      await eventually(`${name} rolled out`, () => rolledOut(client, name));

      // Watch every pod event from here on and check the invariants on the resulting state.
      const list = await client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${name}` });
      const state = new Map(list.items.map((p) => [p.metadata.name ?? "", p]));
      const violations: string[] = [];
      let events = 0;
      let minAvailable = Infinity;
      let maxTotal = 0;
      const onEvent = (ev: WatchEvent<Pod>) => {
        if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
        events++;
        if (ev.type === "DELETED") state.delete(ev.object.metadata.name ?? "");
        else state.set(ev.object.metadata.name ?? "", ev.object);
        const active = [...state.values()].filter(live);
        const available = active.filter(isReady).length;
        minAvailable = Math.min(minAvailable, available);
        maxTotal = Math.max(maxTotal, active.length);
        if (available < 10 - maxUnavail) violations.push(`event ${events}: ${available} available`);
        if (active.length > 10 + minSurge) violations.push(`event ${events}: ${active.length} pods`);
      };
      const watch = client.watch<Pod>("Pod", { namespace: "default", labelSelector: `app=${name}`, resourceVersion: list.metadata.resourceVersion }, onEvent);

      await setImage(client, name, "web:v2");
      const d = await eventually(`${name} v2 rolled out`, async () => {
        const d = await rolledOut(client, name);
        return d && d.spec.template.spec.containers[0].image === "web:v2" ? d : undefined;
      });
      // Let the watch drain the last deletions before judging.
      await eventually("old pods gone from the watch", () => [...state.values()].filter(live).every((p) => p.spec.containers[0].image === "web:v2") && state.size === 10);
      watch.stop();
      expect(violations).toEqual([]);
      expect(events).toBeGreaterThan(20);
      expect(minAvailable).toBeGreaterThanOrEqual(10 - maxUnavail);
      expect(maxTotal).toBeLessThanOrEqual(10 + minSurge);
      expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
      const rss = await replicaSetsOf(client, name);
      expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 10]);
    });
  }

  it("rollback to the old template reuses its ReplicaSet with the next revision", async () => {
    const { client } = plane;
    const before = await replicaSetsOf(client, "roll-25p-25p");
    expect(before).toHaveLength(2);
    const v1 = before.find((r) => r.spec.template.spec.containers[0].image === "web:v1")!;
    await setImage(client, "roll-25p-25p", "web:v1");
    await eventually("rolled back", async () => {
      const d = await rolledOut(client, "roll-25p-25p");
      return d && d.spec.template.spec.containers[0].image === "web:v1" ? d : undefined;
    });
    const after = await replicaSetsOf(client, "roll-25p-25p");
    expect(after).toHaveLength(2);
    const reused = after.find((r) => r.metadata.uid === v1.metadata.uid)!;
    expect(reused.spec.replicas).toBe(10);
    expect(reused.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(reused.metadata.annotations?.["deployment.kubernetes.io/revision-history"]).toBe("1");
    const d = await client.get<Deployment>("Deployment", "roll-25p-25p", "default");
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
  });

  it("scales up and down through the scale subresource without a new revision", async () => {
    const { client } = plane;
    await client.create(makeDeployment("scaler", 3));
    await eventually("scaler rolled out", () => rolledOut(client, "scaler"));
    await client.updateScale("Deployment", "scaler", 8, "default");
    await eventually("8 replicas", async () => (await rolledOut(client, "scaler"))?.spec.replicas === 8);
    expect((await podsOf(client, "scaler")).filter(live)).toHaveLength(8);
    await client.updateScale("Deployment", "scaler", 2, "default");
    await eventually("2 replicas", async () => (await rolledOut(client, "scaler"))?.spec.replicas === 2 && (await podsOf(client, "scaler")).length === 2);
    const rss = await replicaSetsOf(client, "scaler");
    expect(rss).toHaveLength(1);
    expect(rss[0].metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(rss[0].metadata.annotations?.["deployment.kubernetes.io/desired-replicas"]).toBe("2");
  });

  it("a deleted pod is replaced", async () => {
    const { client } = plane;
    const before = (await podsOf(client, "scaler")).filter(live);
    const victim = before[0].metadata.name ?? "";
    await client.delete("Pod", victim, { namespace: "default" });
    await eventually("replacement ready", async () => {
      const pods = (await podsOf(client, "scaler")).filter(live);
      return pods.length === 2 && !pods.some((p) => p.metadata.name === victim) && pods.every(isReady);
    });
  });

  it("Recreate stops every old pod before starting new ones", async () => {
    const { client } = plane;
    await client.create(makeDeployment("recreate", 4, { spec: { strategy: { type: "Recreate" } } }));
    await eventually("recreate rolled out", () => rolledOut(client, "recreate"));
    const list = await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=recreate" });
    const state = new Map(list.items.map((p) => [p.metadata.name ?? "", p]));
    let mixed = false;
    const watch = client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=recreate", resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") state.delete(ev.object.metadata.name ?? "");
      else if (ev.type === "ADDED" || ev.type === "MODIFIED") state.set(ev.object.metadata.name ?? "", ev.object);
      const images = new Set([...state.values()].map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
    });
    await setImage(client, "recreate", "web:v2");
    await eventually("recreate v2", async () => {
      const d = await rolledOut(client, "recreate");
      return d && d.spec.template.spec.containers[0].image === "web:v2";
    });
    watch.stop();
    expect(mixed).toBe(false);
  });

  it("pause stops rollout progress but not scaling; resume finishes it", async () => {
    const { client } = plane;
    await client.create(makeDeployment("paused", 2));
    await eventually("paused rolled out", () => rolledOut(client, "paused"));
    await client.patch("Deployment", "paused", { spec: { paused: true } }, { namespace: "default" });
    await setImage(client, "paused", "web:v2");
    await client.updateScale("Deployment", "paused", 3, "default");
    await eventually("scaled while paused", async () => (await podsOf(client, "paused")).filter((p) => live(p) && isReady(p)).length === 3);
    const d = await eventually("paused condition", async () => {
      const d = await client.get<Deployment>("Deployment", "paused", "default");
      return d.status?.conditions?.find((c) => c.type === "Progressing")?.reason === "DeploymentPaused" ? d : undefined;
    });
    expect(d.status?.updatedReplicas ?? 0).toBe(0);
    expect(await replicaSetsOf(client, "paused")).toHaveLength(1);
    await client.patch("Deployment", "paused", { spec: { paused: false } }, { namespace: "default" });
    await eventually("resumed rollout", async () => {
      const d = await rolledOut(client, "paused");
      return d && d.spec.replicas === 3 && (await podsOf(client, "paused")).every((p) => p.spec.containers[0].image === "web:v2");
    });
  });
});
