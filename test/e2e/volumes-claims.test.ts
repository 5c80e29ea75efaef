/**
 * Claims on real nodes (two kubelets on loopback addresses, the real Docker engine): a
 * local-path claim provisioned on the node of its first pod keeps its data across pods and keeps
 * its pods on that node; a static hostPath volume is mounted read-only when asked; a pod bound to
 * a node whose claim is missing waits ContainerCreating with a FailedMount event and starts once
 * the claim is bound; deleting a Delete-policy claim removes its directory on the node.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from "../../lib/types.js";
import { isReady } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { execInPod, startSvcCluster, type SvcCluster } from "./services-cluster.js";

let c: SvcCluster;
let hostDir: string;

beforeAll(async () => {
  c = await startSvcCluster("vol", 2);
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-static-pv-"));
}, 60_000);
afterAll(async () => {
  await c?.close();
  fs.rmSync(hostDir, { recursive: true, force: true });
});

function claim(name: string, spec: Partial<PersistentVolumeClaim["spec"]> = {}): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Mi" } }, ...spec } };
}
function pod(name: string, claimName: string, opts: { readOnly?: boolean; nodeName?: string } = {}): Pod {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" },
    spec: {
      nodeName: opts.nodeName, terminationGracePeriodSeconds: 0,
      containers: [{ name: "c", image: "kctl-test/busybox:v1", imagePullPolicy: "IfNotPresent", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName, readOnly: opts.readOnly } }],
    },
  } as Pod;
}
const get = <T extends Pod | PersistentVolumeClaim>(kind: string, name: string) => c.client.get<T>(kind, name, "default");
const ready = (name: string) => eventually(`${name} Ready`, async () => isReady(await get<Pod>("Pod", name)), { timeoutMs: 30_000 });
const gone = (kind: string, name: string, ns?: string) => c.client.get(kind, name, ns).then(() => false, () => true);

describe("claims on real nodes", () => {
  it("keeps a local-path claim's data across pods, on the node it was provisioned on", async () => {
    await c.client.create(claim("data"));
    await c.client.create(pod("writer", "data"));
    await ready("writer");
    expect((await execInPod(c.client, "writer", "echo kept > /data/file && cat /data/file")).out).toBe("kept");
    const node = (await get<Pod>("Pod", "writer")).spec.nodeName!;
    const pvc = await get<PersistentVolumeClaim>("PersistentVolumeClaim", "data");
    const pv = await c.client.get<PersistentVolume>("PersistentVolume", pvc.spec.volumeName!);
    // the directory is the node's, under its data dir
    expect(pv.spec.hostPath!.path).toBe(path.join(c.srv.dataDir, `kubelet-${node}`, "storage", `pvc-${pvc.metadata.uid}_default_data`));
    expect(fs.readFileSync(path.join(pv.spec.hostPath!.path, "file"), "utf8")).toBe("kept\n");
    await c.client.delete("Pod", "writer", { namespace: "default", gracePeriodSeconds: 0 });
    await eventually("writer gone", () => gone("Pod", "writer", "default"));
    await c.client.create(pod("reader", "data"));
    await ready("reader");
    expect((await get<Pod>("Pod", "reader")).spec.nodeName).toBe(node);
    expect((await execInPod(c.client, "reader", "cat /data/file")).out).toBe("kept");
  }, 90_000);

  it("mounts a static hostPath volume read-only when the pod asks", async () => {
    fs.writeFileSync(path.join(hostDir, "seed"), "from the host\n");
    await c.client.create({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "static-ro" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: hostDir } } } as PersistentVolume);
    await c.client.create(claim("static", { storageClassName: "" }));
    await eventually("the static claim Bound", async () => (await get<PersistentVolumeClaim>("PersistentVolumeClaim", "static")).status?.phase === "Bound");
    await c.client.create(pod("ro", "static", { readOnly: true }));
    await ready("ro");
    expect((await execInPod(c.client, "ro", "cat /data/seed")).out).toBe("from the host");
    // (the shell's own error and the echo come on two streams: their order varies)
    const write = await execInPod(c.client, "ro", "echo x > /data/new; echo rc=$?");
    expect(write.out).toContain("Read-only file system");
    expect(write.out).toContain("rc=1");
    expect(fs.existsSync(path.join(hostDir, "new"))).toBe(false);
  }, 60_000);

  it("holds a pod whose claim is missing in ContainerCreating with a FailedMount event, then starts it", async () => {
    const node = c.nodes[1]!.name;
    await c.client.create(pod("early", "later", { nodeName: node }));
    const ev = await eventually("FailedMount", async () => {
      const evs = await c.client.list<Event>("Event", { namespace: "default", fieldSelector: "involvedObject.name=early" });
      return evs.items.find((e) => e.reason === "FailedMount");
    }, { timeoutMs: 20_000 });
    expect(ev.message).toContain('persistentvolumeclaim "later" not found');
    const p = await eventually("the pod's status written", async () => {
      const x = await get<Pod>("Pod", "early");
      return x.status?.containerStatuses?.length ? x : undefined;
    });
    expect(p.status?.phase).toBe("Pending");
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
    // a static volume and its claim arrive: the pod starts
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-late-pv-"));
    try {
      await c.client.create({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "late" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: dir } } } as PersistentVolume);
      await c.client.create(claim("later", { storageClassName: "" }));
      await ready("early");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("removes a Delete-policy claim's directory on its node once the claim and its pods are gone", async () => {
    const pvc = await get<PersistentVolumeClaim>("PersistentVolumeClaim", "data");
    const pv = await c.client.get<PersistentVolume>("PersistentVolume", pvc.spec.volumeName!);
    expect(fs.existsSync(pv.spec.hostPath!.path)).toBe(true);
    await c.client.delete("PersistentVolumeClaim", "data", { namespace: "default" });
    // still used by "reader": held by pvc-protection
    expect((await get<PersistentVolumeClaim>("PersistentVolumeClaim", "data")).metadata.finalizers).toContain("kubernetes.io/pvc-protection");
    await c.client.delete("Pod", "reader", { namespace: "default", gracePeriodSeconds: 0 });
    await eventually("claim, volume and directory gone", async () => (await gone("PersistentVolumeClaim", "data", "default")) && (await gone("PersistentVolume", pv.metadata.name!)) && !fs.existsSync(pv.spec.hostPath!.path), { timeoutMs: 30_000 });
  }, 60_000);
});
