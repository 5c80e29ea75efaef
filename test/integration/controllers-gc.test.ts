import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNotFound } from "../../lib/errors.js";
import type { ConfigMap, Deployment, ReplicaSet } from "../../lib/types.js";
import { podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 2 });
});
afterAll(async () => {
  await plane?.close();
});

const rssOf = async (app: string) => (await plane.client.list<ReplicaSet>("ReplicaSet", { namespace: "default", labelSelector: `app=${app}` })).items;
const gone = async (kind: string, name: string) => {
  try {
    await plane.client.get(kind, name, "default");
    return false;
  } catch (err) {
    return isNotFound(err);
  }
};

describe("garbage collector", () => {
  it("background: deleting a deployment removes its ReplicaSets and pods", async () => {
    const { client } = plane;
    await client.create(makeDeployment("bg", 3));
    await eventually("bg rolled out", () => rolledOut(client, "bg"));
    await client.delete("Deployment", "bg", { namespace: "default" });
    await eventually("bg replica sets gone", async () => (await rssOf("bg")).length === 0);
    await eventually("bg pods gone", async () => (await podsOf(client, "bg")).length === 0);
  });

  it("foreground: the owner stays (with its finalizer) until its dependents are gone", async () => {
    const { client } = plane;
    await client.create(makeDeployment("fg", 3));
    await eventually("fg rolled out", () => rolledOut(client, "fg"));
    await client.delete("Deployment", "fg", { namespace: "default", propagationPolicy: "Foreground" });
    const d = await client.get<Deployment>("Deployment", "fg", "default").catch(() => undefined);
    // Either we caught it while it waited for its dependents, or the GC was already done.
    if (d) {
      expect(d.metadata.deletionTimestamp).toBeTruthy();
      expect(d.metadata.finalizers).toContain("foregroundDeletion");
    }
    await eventually("fg deployment gone", () => gone("Deployment", "fg"));
    // Foreground: by the time the owner is gone, every blocking dependent is gone too.
    expect(await rssOf("fg")).toEqual([]);
    expect(await podsOf(client, "fg")).toEqual([]);
  });

  it("orphan: dependents survive without owner references", async () => {
    const { client } = plane;
    await client.create(makeDeployment("orph", 2));
    await eventually("orph rolled out", () => rolledOut(client, "orph"));
    await client.delete("Deployment", "orph", { namespace: "default", propagationPolicy: "Orphan" });
    await eventually("orph deployment gone", () => gone("Deployment", "orph"));
    const rss = await rssOf("orph");
    expect(rss).toHaveLength(1);
    expect(rss[0].metadata.ownerReferences ?? []).toEqual([]);
    expect(await podsOf(client, "orph")).toHaveLength(2);
    // The orphaned ReplicaSet still runs its pods.
    await client.delete("ReplicaSet", rss[0].metadata.name ?? "", { namespace: "default" });
    await eventually("orphaned pods collected", async () => (await podsOf(client, "orph")).length === 0);
  });

  it("removes dependents whose owner uid no longer exists", async () => {
    const { client } = plane;
    const cm: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "dangling", namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "never-existed", uid: "00000000-dead-beef-0000-000000000000" }] },
      data: { a: "b" },
    };
    await client.create(cm);
    await eventually("dangling dependent collected", () => gone("ConfigMap", "dangling"));
  });

  it("drops only the dangling reference when another owner still exists", async () => {
    const { client } = plane;
    const owner = await client.create<ConfigMap>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "owner", namespace: "default" } });
    await client.create<ConfigMap>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "two-owners",
        namespace: "default",
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid ?? "" },
          { apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: "11111111-dead-beef-0000-000000000000" },
        ],
      },
    });
    const cm = await eventually("dangling reference dropped", async () => {
      const cm = await client.get<ConfigMap>("ConfigMap", "two-owners", "default");
      return cm.metadata.ownerReferences?.length === 1 ? cm : undefined;
    });
    expect(cm.metadata.ownerReferences?.[0].uid).toBe(owner.metadata.uid);
  });
});
