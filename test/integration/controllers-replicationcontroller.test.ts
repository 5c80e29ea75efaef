/**
 * ReplicationControllers (v1) run by the ReplicaSet controller's code, against a real API server
 * with simulated nodes: the selector and labels default from the template, pods are owned by the
 * RC and replaced when deleted, scale works through the scale subresource, `rc` resolves in kctl,
 * a selector that does not match the template is 422, and deleting the RC deletes its pods.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInvalid } from "../../lib/errors.js";
import type { Pod, ReplicationController } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { eventually } from "../helpers/eventually.js";
import { startPlane, type Plane } from "./controllers-harness.js";

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 2 });
}, 30_000);
afterAll(async () => {
  await plane?.close();
});

const rc = (name: string, replicas: number, selector?: Record<string, string>): ReplicationController => ({
  apiVersion: "v1",
  kind: "ReplicationController",
  metadata: { name, namespace: "default" },
  spec: { replicas, ...(selector ? { selector } : {}), template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } },
});
const podsOf = async (app: string) => (await plane.client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);

describe("ReplicationController", () => {
  it("defaults the selector and labels from the template, keeps replicas pods owned by the RC, replaces a deleted one", async () => {
    const created = await plane.client.create<ReplicationController>(rc("legacy", 3), "default");
    expect(created.spec.selector).toEqual({ app: "legacy" });
    expect(created.metadata.labels).toEqual({ app: "legacy" });
    await eventually("3 ready", async () => (await plane.client.get<ReplicationController>("ReplicationController", "legacy", "default")).status?.readyReplicas === 3);
    const pods = await podsOf("legacy");
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.kind === "ReplicationController" && p.metadata.ownerReferences[0].apiVersion === "v1" && p.metadata.ownerReferences[0].uid === created.metadata.uid)).toBe(true);
    await plane.client.delete("Pod", pods[0]!.metadata.name!, { namespace: "default" });
    await eventually("replaced", async () => (await podsOf("legacy")).length === 3 && !(await podsOf("legacy")).some((p) => p.metadata.uid === pods[0]!.metadata.uid));
  });

  it("scales through the scale subresource and kctl scale rc/NAME; kctl get rc prints kubectl's columns", async () => {
    const scale = await plane.client.getScale("ReplicationController", "legacy", "default");
    expect(scale.status.selector).toBe("app=legacy");
    const r = await kctl(["--kubeconfig", plane.server.kubeconfigPath, "scale", "rc/legacy", "--replicas=1"]);
    expect(r.stdout).toBe("replicationcontroller/legacy scaled\n");
    await eventually("1 pod", async () => (await podsOf("legacy")).length === 1);
    await eventually("status", async () => (await plane.client.get<ReplicationController>("ReplicationController", "legacy", "default")).status?.replicas === 1);
    const table = await kctl(["--kubeconfig", plane.server.kubeconfigPath, "get", "rc", "-o", "wide"]);
    expect(table.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    expect(table.stdout).toMatch(/^legacy\s+1\s+1\s+1\s+\S+\s+c\s+nginx:1\.27\s+app=legacy$/m);
  });

  it("refuses a selector that does not match the template with 422, and deleting the RC deletes its pods", async () => {
    const err = await plane.client.create(rc("bad", 1, { app: "other" }), "default").catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toContain("spec.template.metadata.labels");
    await plane.client.delete("ReplicationController", "legacy", { namespace: "default" });
    await eventually("pods gone", async () => (await podsOf("legacy")).length === 0, { timeoutMs: 15_000 });
  });
});
