/** The volume binder's pure decisions (controllers/volume/plan.ts): claims and volumes, one table each. */
import { describe, expect, it } from "vitest";
import { planClaim, planVolume, type ClaimWorld } from "../../controllers/volume/plan.js";
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "../../lib/types.js";
import { makeNode, makePod } from "../helpers/builders.js";

const localPath: StorageClass = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path" }, provisioner: "kctl.io/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer" };
const immediate: StorageClass = { ...localPath, metadata: { name: "fast" }, provisioner: "example.com/csi", volumeBindingMode: "Immediate" };

function claim(name: string, spec: Partial<PersistentVolumeClaim["spec"]> = {}, meta: Partial<PersistentVolumeClaim["metadata"]> = {}): PersistentVolumeClaim {
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "default", uid: `uid-${name}`, ...meta }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "local-path", ...spec } };
}
function volume(name: string, spec: Partial<PersistentVolume["spec"]> = {}, status?: PersistentVolume["status"], meta: Partial<PersistentVolume["metadata"]> = {}): PersistentVolume {
  return { apiVersion: "v1", kind: "PersistentVolume", metadata: { name, ...meta }, spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", hostPath: { path: `/srv/${name}` }, ...spec }, status };
}
function world(o: { volumes?: PersistentVolume[]; classes?: StorageClass[]; nodes?: Node[]; pods?: Pod[] } = {}): ClaimWorld {
  return {
    volume: (n) => o.volumes?.find((v) => v.metadata.name === n),
    volumes: () => o.volumes ?? [],
    storageClass: (n) => (o.classes ?? [localPath, immediate]).find((c) => c.metadata.name === n),
    node: (n) => o.nodes?.find((x) => x.metadata.name === n),
    pods: () => o.pods ?? [],
  };
}
const nodeWithDir = (name: string): Node => {
  const n = makeNode(name);
  n.metadata.annotations = { "kctl.io/local-path-dir": `/var/lib/kctl/${name}/storage` };
  return n;
};
const podUsing = (name: string, claimName: string, phase?: "Running" | "Succeeded"): Pod => {
  const p = makePod(name);
  p.spec.volumes = [{ name: "d", persistentVolumeClaim: { claimName } }];
  if (phase) p.status = { phase };
  return p;
};

describe("planClaim", () => {
  it("waits for the first consumer of a WaitForFirstConsumer claim", () => {
    expect(planClaim(claim("c"), world())).toEqual({ type: "none", event: { type: "Normal", reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding" } });
  });

  it("provisions a local-path volume on the selected node, pinned there, with the class's reclaim policy", () => {
    const a = planClaim(claim("c", {}, { annotations: { "volume.kubernetes.io/selected-node": "n1" } }), world({ nodes: [nodeWithDir("n1")] }));
    expect(a.type).toBe("provision");
    if (a.type !== "provision") return;
    expect(a.volume.metadata).toMatchObject({ name: "pvc-uid-c", finalizers: ["kubernetes.io/pv-protection", "kctl.io/local-path-cleanup"], annotations: { "pv.kubernetes.io/provisioned-by": "kctl.io/local-path" } });
    expect(a.volume.spec).toMatchObject({
      capacity: { storage: "1Gi" }, persistentVolumeReclaimPolicy: "Delete", storageClassName: "local-path",
      claimRef: { namespace: "default", name: "c", uid: "uid-c" }, hostPath: { path: "/var/lib/kctl/n1/storage/pvc-uid-c_default_c", type: "DirectoryOrCreate" },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] }] } },
    });
  });

  it("says why it cannot provision: a node without a local-path directory, a missing class, no class", () => {
    const selected = { annotations: { "volume.kubernetes.io/selected-node": "n1" } };
    expect(planClaim(claim("c", {}, selected), world({ nodes: [makeNode("n1")] }))).toMatchObject({ type: "none", event: { reason: "ProvisioningFailed", message: expect.stringContaining('node "n1" has no local-path directory') } });
    expect(planClaim(claim("c", { storageClassName: "gold" }), world())).toEqual({ type: "none", event: { type: "Warning", reason: "ProvisioningFailed", message: 'storageclass.storage.k8s.io "gold" not found' } });
    expect(planClaim(claim("c", { storageClassName: "" }), world())).toMatchObject({ type: "none", event: { reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set" } });
    expect(planClaim(claim("c", { storageClassName: "fast" }), world())).toMatchObject({ type: "none", event: { reason: "ExternalProvisioning" } });
  });

  it("binds the smallest fitting static volume (class, access modes, size, selector); on the selected node for WaitForFirstConsumer", () => {
    const vols = [
      volume("big", { capacity: { storage: "10Gi" }, storageClassName: "" }),
      volume("rox", { capacity: { storage: "2Gi" }, accessModes: ["ReadOnlyMany"], storageClassName: "" }),
      volume("small", { capacity: { storage: "512Mi" }, storageClassName: "" }),
      volume("right", { capacity: { storage: "2Gi" }, storageClassName: "" }),
      volume("taken", { capacity: { storage: "1Gi" }, storageClassName: "", claimRef: { namespace: "default", name: "other", uid: "x" } }),
    ];
    expect(planClaim(claim("c", { storageClassName: "" }), world({ volumes: vols }))).toMatchObject({ type: "bind", volume: { metadata: { name: "right" } } });
    const labelled = volume("labelled", { storageClassName: "" }, undefined, { labels: { tier: "gold" } });
    expect(planClaim(claim("c", { storageClassName: "", selector: { matchLabels: { tier: "gold" } } }), world({ volumes: [...vols, labelled] }))).toMatchObject({ type: "bind", volume: { metadata: { name: "labelled" } } });
    const pinned = volume("pinned", { storageClassName: "local-path", nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n2"] }] }] } } });
    const on = (n: string) => claim("c", {}, { annotations: { "volume.kubernetes.io/selected-node": n } });
    expect(planClaim(on("n2"), world({ volumes: [pinned], nodes: [nodeWithDir("n1"), nodeWithDir("n2")] }))).toMatchObject({ type: "bind", volume: { metadata: { name: "pinned" } } });
    expect(planClaim(on("n1"), world({ volumes: [pinned], nodes: [nodeWithDir("n1"), nodeWithDir("n2")] })).type).toBe("provision");
  });

  it("keeps a bound claim's status, and marks it Lost when its volume is gone", () => {
    const pv = volume("v", { claimRef: { namespace: "default", name: "c", uid: "uid-c" } }, { phase: "Bound" });
    expect(planClaim(claim("c", { volumeName: "v" }), world({ volumes: [pv] }))).toEqual({ type: "claimStatus", status: { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "5Gi" } } });
    const c = claim("c", { volumeName: "v" });
    c.status = { phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "5Gi" } };
    expect(planClaim(c, world({ volumes: [pv] }))).toEqual({ type: "none" });
    expect(planClaim(c, world())).toMatchObject({ type: "claimStatus", status: { phase: "Lost" }, event: { reason: "ClaimLost" } });
  });

  it("lets a deleting claim go only when no running pod uses it", () => {
    const deleting = claim("c", {}, { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["kubernetes.io/pvc-protection"] });
    expect(planClaim(deleting, world({ pods: [podUsing("p", "c", "Running")] }))).toEqual({ type: "none" });
    expect(planClaim(deleting, world({ pods: [podUsing("p", "c", "Succeeded"), podUsing("q", "other")] }))).toEqual({ type: "removeFinalizer", finalizer: "kubernetes.io/pvc-protection" });
  });
});

describe("planVolume", () => {
  const ref = { namespace: "default", name: "c", uid: "uid-c" };
  const provisioned = { annotations: { "pv.kubernetes.io/provisioned-by": "kctl.io/local-path" } };
  it.each([
    ["a new volume becomes Available", volume("v", {}, { phase: "Pending" }), undefined, { type: "phase", phase: "Available" }],
    ["a volume its claim names is Bound", volume("v", { claimRef: ref }, { phase: "Available" }), claim("c", { volumeName: "v" }), { type: "phase", phase: "Bound" }],
    ["its claim gone: Released", volume("v", { claimRef: ref }, { phase: "Bound" }), undefined, { type: "phase", phase: "Released" }],
    ["Released and Retain: kept", volume("v", { claimRef: ref }, { phase: "Released" }), undefined, { type: "none" }],
    ["Released, Delete, local-path: deleted", volume("v", { claimRef: ref, persistentVolumeReclaimPolicy: "Delete" }, { phase: "Released" }, provisioned), undefined, { type: "delete" }],
    ["Released, Delete, static: Failed", volume("v", { claimRef: ref, persistentVolumeReclaimPolicy: "Delete" }, { phase: "Released" }), undefined, expect.objectContaining({ type: "phase", phase: "Failed" })],
    ["a claimRef without uid waits Available (pre-bound by a user)", volume("v", { claimRef: { namespace: "default", name: "later" } }, { phase: "Pending" }), undefined, { type: "phase", phase: "Available" }],
    ["deleting while Bound: held", volume("v", { claimRef: ref }, { phase: "Bound" }, { deletionTimestamp: "t", finalizers: ["kubernetes.io/pv-protection"] }), claim("c", { volumeName: "v" }), { type: "none" }],
    ["deleting once Released: let go", volume("v", { claimRef: ref }, { phase: "Released" }, { deletionTimestamp: "t", finalizers: ["kubernetes.io/pv-protection"] }), undefined, { type: "removeFinalizer", finalizer: "kubernetes.io/pv-protection" }],
  ])("%s", (_what, pv, c, want) => {
    expect(planVolume(pv, c)).toEqual(want);
  });
});
