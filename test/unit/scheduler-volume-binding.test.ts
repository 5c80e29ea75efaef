/** The scheduler's VolumeBinding (scheduler/plugins/volume-binding.ts): the PreFilter verdicts and the per-node filter. */
import { describe, expect, it } from "vitest";
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "../../lib/types.js";
import { emptyNodeInfo, setNodeFields } from "../../scheduler/pod-info.js";
import { ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, podVolumes, volumeFilter, type VolumeLookup } from "../../scheduler/plugins/volume-binding.js";
import type { NodeInfo } from "../../scheduler/types.js";
import { makeNode, makePod } from "../helpers/builders.js";

const wffc: StorageClass = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "kctl.io/local-path", volumeBindingMode: "WaitForFirstConsumer" };
const manualWffc: StorageClass = { ...wffc, metadata: { name: "manual" }, provisioner: "kubernetes.io/no-provisioner" };
const pinned = (name: string, node: string, extra: Partial<PersistentVolume["spec"]> = {}): PersistentVolume => ({
  apiVersion: "v1", kind: "PersistentVolume", metadata: { name },
  spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], local: { path: "/x" }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } }, ...extra },
});
const claim = (name: string, spec: Partial<PersistentVolumeClaim["spec"]> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default", uid: `u-${name}`, annotations }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path", ...spec },
});
function lookup(claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = [], nodes = ["n1", "n2"]): VolumeLookup {
  return {
    claim: (_ns, n) => claims.find((c) => c.metadata.name === n),
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    volumes: () => volumes,
    storageClass: (n) => [wffc, manualWffc].find((c) => c.metadata.name === n),
    hasNode: (n) => nodes.includes(n),
  };
}
function podWith(...claims: string[]): Pod {
  const p = makePod("p");
  p.spec.volumes = claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }));
  return p;
}
function node(name: string, localPathDir = true): NodeInfo {
  const n: Node = makeNode(name);
  if (localPathDir) n.metadata.annotations = { "kctl.io/local-path-dir": "/d" };
  const info = emptyNodeInfo(name);
  setNodeFields(info, n);
  return info;
}

describe("VolumeBinding", () => {
  it("lets pods without claims through untouched", () => {
    expect(podVolumes(makePod("p"), lookup([]))).toEqual({ kind: "none" });
  });

  it.each([
    ["a missing claim", [], 'persistentvolumeclaim "data" not found'],
    ["a deleting claim", [{ ...claim("data"), metadata: { ...claim("data").metadata, deletionTimestamp: "t" } }], 'persistentvolumeclaim "data" is being deleted'],
    ["an unbound Immediate claim", [claim("data", { storageClassName: "" })], "pod has unbound immediate PersistentVolumeClaims"],
  ])("refuses %s on every node with kube-scheduler's message", (_w, claims, message) => {
    expect(podVolumes(podWith("data"), lookup(claims as PersistentVolumeClaim[]))).toEqual({ kind: "unschedulable", message });
  });

  it("keeps a bound claim's pods on the nodes its volume allows", () => {
    const v = podVolumes(podWith("data"), lookup([claim("data", { volumeName: "pv" })], [pinned("pv", "n2")]));
    expect(volumeFilter(v, node("n1"))).toEqual([ERR_NODE_CONFLICT]);
    expect(volumeFilter(v, node("n2"))).toBeNull();
  });

  it("accepts for an unbound WaitForFirstConsumer claim the nodes that can provision it or hold a fitting volume", () => {
    const v = podVolumes(podWith("data"), lookup([claim("data")]));
    expect(volumeFilter(v, node("n1"))).toBeNull();
    expect(volumeFilter(v, node("n2", false))).toEqual([ERR_BIND_CONFLICT]);
    const manual = podVolumes(podWith("m"), lookup([claim("m", { storageClassName: "manual" })], [pinned("local-1", "n2", { storageClassName: "manual" })]));
    expect(volumeFilter(manual, node("n1"))).toEqual([ERR_BIND_CONFLICT]);
    expect(volumeFilter(manual, node("n2"))).toBeNull();
  });

  it("keeps the node already selected for a claim, unless that node is gone", () => {
    const selected = claim("data", {}, { "volume.kubernetes.io/selected-node": "n2" });
    const v = podVolumes(podWith("data"), lookup([selected]));
    expect(volumeFilter(v, node("n1"))).toEqual([ERR_BIND_CONFLICT]);
    expect(volumeFilter(v, node("n2"))).toBeNull();
    const orphaned = podVolumes(podWith("data"), lookup([selected], [], ["n1"]));
    expect(volumeFilter(orphaned, node("n1"))).toBeNull();
  });
});
