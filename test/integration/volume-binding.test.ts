/**
 * Claims and volumes against a real API server with the controllers, the scheduler and
 * simulated nodes: WaitForFirstConsumer local-path provisioning on the first pod's node and the
 * next pods kept there, static volumes bound by class, size, access modes and selector, the
 * events of claims that cannot be bound, claim and volume protection, and reclaim policies.
 */
import { describe, expect, it } from "vitest";
import { startControllerManager } from "../../controllers/index.js";
import { silentLogger } from "../../lib/logger.js";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from "../../lib/types.js";
import { makePod } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";
import { failedSchedulingEvents, runScheduler, serverPerTest, simNodes } from "./scheduler-helpers.js";

const t = serverPerTest();

async function cluster(nodes = 2): Promise<void> {
  const sim = await simNodes(t.client, nodes);
  const cm = await startControllerManager({ client: t.client, logger: silentLogger() });
  const sched = await runScheduler(t.client);
  t.cleanups.push(() => sim.stop(), () => cm.stop(), () => sched.stop());
}

function claim(name: string, spec: Partial<PersistentVolumeClaim["spec"]> = {}, labels?: Record<string, string>): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default", labels }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } };
}
function volume(name: string, spec: Partial<PersistentVolume["spec"]> = {}, labels?: Record<string, string>): PersistentVolume {
  return { apiVersion: "v1", kind: "PersistentVolume", metadata: { name, labels }, spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` }, ...spec } };
}
function podWith(name: string, claimName: string): Pod {
  const p = makePod(name);
  p.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName } }];
  return p;
}
const getClaim = (name: string) => t.client.get<PersistentVolumeClaim>("PersistentVolumeClaim", name, "default");
const getPod = (name: string) => t.client.get<Pod>("Pod", name, "default");
async function events(name: string, reason: string): Promise<Event[]> {
  return (await t.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
}

describe("volume binding", () => {
  it("provisions a local-path claim on the node of its first pod, and keeps the next pods there", async () => {
    await cluster(3);
    await t.client.create(claim("data"));
    await eventually("the claim waits for its first consumer (event)", async () => (await events("data", "WaitForFirstConsumer")).length > 0);
    expect((await getClaim("data")).status?.phase).toBe("Pending");
    await t.client.create(podWith("first", "data"));
    const pod = await eventually("the pod bound", async () => ((await getPod("first")).spec.nodeName ? getPod("first") : undefined));
    const c = await getClaim("data");
    expect(c.status).toMatchObject({ phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] });
    expect(c.metadata.annotations?.["volume.kubernetes.io/selected-node"]).toBe(pod.spec.nodeName);
    const pv = await t.client.get<PersistentVolume>("PersistentVolume", c.spec.volumeName!);
    expect(pv.metadata.name).toBe(`pvc-${c.metadata.uid}`);
    expect(pv.status?.phase).toBe("Bound");
    expect(pv.spec).toMatchObject({
      storageClassName: "local-path", persistentVolumeReclaimPolicy: "Delete", claimRef: { name: "data", namespace: "default", uid: c.metadata.uid },
      hostPath: { path: `/var/lib/kctl-simulated/${pod.spec.nodeName}/storage/pvc-${c.metadata.uid}_default_data`, type: "DirectoryOrCreate" },
    });
    expect(pv.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]).toEqual({ key: "kubernetes.io/hostname", operator: "In", values: [pod.spec.nodeName] });
    expect((await events("data", "ProvisioningSucceeded")).length).toBe(1);
    // every later pod of the claim goes to the same node
    for (const n of ["second", "third"]) await t.client.create(podWith(n, "data"));
    for (const n of ["second", "third"]) {
      const p = await eventually(`${n} bound`, async () => ((await getPod(n)).spec.nodeName ? getPod(n) : undefined));
      expect(p.spec.nodeName).toBe(pod.spec.nodeName);
    }
    // and when that node cannot take it, the pod waits, saying why
    await t.client.patch("Node", pod.spec.nodeName!, { spec: { unschedulable: true } });
    await t.client.create(podWith("fourth", "data"));
    const ev = await eventually("FailedScheduling", async () => (await failedSchedulingEvents(t.client, "fourth"))[0]);
    expect(ev.message).toBe("0/3 nodes are available: 2 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.");
  });

  it("binds static volumes by class, size, access modes and selector, the smallest that fits", async () => {
    await cluster(1);
    await t.client.create(volume("small", { capacity: { storage: "1Gi" }, accessModes: ["ReadOnlyMany"] }));
    await t.client.create(volume("big", { capacity: { storage: "10Gi" } }));
    await t.client.create(volume("right", { capacity: { storage: "2Gi" } }, { tier: "fast" }));
    await t.client.create(volume("classy", { storageClassName: "manual" }));
    await eventually("volumes Available", async () => (await t.client.list<PersistentVolume>("PersistentVolume")).items.every((v) => v.status?.phase === "Available"));
    await t.client.create(claim("picky", { storageClassName: "", resources: { requests: { storage: "1Gi" } }, selector: { matchLabels: { tier: "fast" } } }));
    await eventually("picky bound", async () => (await getClaim("picky")).status?.phase === "Bound");
    await t.client.create(claim("want", { storageClassName: "" }));
    await t.client.create(claim("manual", { storageClassName: "manual" }));
    await eventually("three claims Bound", async () => {
      const items = (await t.client.list<PersistentVolumeClaim>("PersistentVolumeClaim", { namespace: "default" })).items;
      return items.filter((c) => c.status?.phase === "Bound").length === 3;
    });
    expect((await getClaim("picky")).spec.volumeName).toBe("right");
    expect((await getClaim("want")).spec.volumeName).toBe("big"); // "small" is ReadOnlyMany, "right" went to picky
    expect((await getClaim("manual")).spec.volumeName).toBe("classy");
    const pv = await t.client.get<PersistentVolume>("PersistentVolume", "right");
    expect(pv.status?.phase).toBe("Bound");
    expect(pv.spec.claimRef).toMatchObject({ kind: "PersistentVolumeClaim", namespace: "default", name: "picky" });
    // nothing else fits: an Immediate claim without a class says so, and its pod waits naming it
    await t.client.create(claim("none", { storageClassName: "", resources: { requests: { storage: "100Gi" } } }));
    await eventually("FailedBinding", async () => (await events("none", "FailedBinding")).length > 0);
    await t.client.create(podWith("stuck", "none"));
    const ev = await eventually("FailedScheduling", async () => (await failedSchedulingEvents(t.client, "stuck"))[0]);
    expect(ev.message).toBe("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.");
    // a volume that fits arrives: the claim is bound and the pod scheduled
    await t.client.create(volume("huge", { capacity: { storage: "200Gi" } }));
    await eventually("the waiting pod bound", async () => Boolean((await getPod("stuck")).spec.nodeName));
  });

  it("leaves a claim of a missing class Pending with an event, and a pod of a missing claim Pending naming it", async () => {
    await cluster(1);
    await t.client.create(claim("nowhere", { storageClassName: "fast-ssd" }));
    const ev = await eventually("ProvisioningFailed", async () => (await events("nowhere", "ProvisioningFailed"))[0]);
    expect(ev.message).toBe('storageclass.storage.k8s.io "fast-ssd" not found');
    expect((await getClaim("nowhere")).status?.phase).toBe("Pending");
    await t.client.create(podWith("orphan", "missing"));
    const fs = await eventually("FailedScheduling", async () => (await failedSchedulingEvents(t.client, "orphan"))[0]);
    expect(fs.message).toBe('0/1 nodes are available: persistentvolumeclaim "missing" not found.');
    // the claim appears: the pod is scheduled at once (no back-off wait for a fit failure)
    await t.client.create(claim("missing"));
    await eventually("the pod bound once its claim exists", async () => Boolean((await getPod("orphan")).spec.nodeName), { timeoutMs: 5_000 });
  });

  it("holds a claim in use until its pod is gone; Retain keeps the volume Released, Delete removes it", async () => {
    await cluster(1);
    await t.client.create(volume("keep", { persistentVolumeReclaimPolicy: "Retain" }));
    await t.client.create(claim("kept", { storageClassName: "" }));
    await t.client.create(claim("gone"));
    await t.client.create(podWith("user", "kept"));
    await t.client.create(podWith("user2", "gone"));
    await eventually("both pods Running", async () => (await getPod("user")).status?.phase === "Running" && (await getPod("user2")).status?.phase === "Running");
    await t.client.delete("PersistentVolumeClaim", "kept", { namespace: "default" });
    const held = await getClaim("kept");
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    expect(held.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    await t.client.delete("Pod", "user", { namespace: "default", gracePeriodSeconds: 0 });
    await eventually("the claim gone with its pod", async () => getClaim("kept").then(() => false, () => true));
    await eventually("the volume Released", async () => (await t.client.get<PersistentVolume>("PersistentVolume", "keep")).status?.phase === "Released");
    // Delete: a provisioned volume goes, once its node has removed the directory
    const pvName = (await getClaim("gone")).spec.volumeName!;
    await t.client.delete("Pod", "user2", { namespace: "default", gracePeriodSeconds: 0 });
    await t.client.delete("PersistentVolumeClaim", "gone", { namespace: "default" });
    // (the binder drops pv-protection once it sees the deletion: wait for that, not just the timestamp)
    const deleting = await eventually("the volume being deleted, held by its node only", async () => {
      const pv = await t.client.get<PersistentVolume>("PersistentVolume", pvName);
      return pv.metadata.deletionTimestamp && !pv.metadata.finalizers?.includes("kubernetes.io/pv-protection") ? pv : undefined;
    });
    expect(deleting.metadata.finalizers).toEqual(["kctl.io/local-path-cleanup"]);
    // (a simulated node has no directory to remove: do what its kubelet would)
    await t.client.patch("PersistentVolume", pvName, { metadata: { finalizers: [] } });
    await eventually("the volume gone", async () => t.client.get("PersistentVolume", pvName).then(() => false, () => true));
  });

  it("holds a Bound volume's deletion until it is released", async () => {
    await cluster(1);
    await t.client.create(volume("pinned"));
    await t.client.create(claim("c", { storageClassName: "" }));
    await eventually("bound", async () => (await getClaim("c")).status?.phase === "Bound");
    await t.client.delete("PersistentVolume", "pinned");
    const pv = await t.client.get<PersistentVolume>("PersistentVolume", "pinned");
    expect(pv.metadata.deletionTimestamp).toBeTruthy();
    expect(pv.status?.phase).toBe("Bound");
    expect(pv.metadata.finalizers).toContain("kubernetes.io/pv-protection");
    expect((await getClaim("c")).status?.phase).toBe("Bound");
    await t.client.delete("PersistentVolumeClaim", "c", { namespace: "default" });
    await eventually("the volume gone once released", async () => t.client.get("PersistentVolume", "pinned").then(() => false, () => true));
  });
});
