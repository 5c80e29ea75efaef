/**
 * The volume binder's decisions, after Kubernetes' PV controller (syncClaim / syncVolume) and
 * its claim and volume protection controllers, as pure functions of one object and what the
 * caches say about the others.
 *
 *   claim unbound ──static volume fits (on the selected node, for WaitForFirstConsumer)──► bind both
 *        │        └─class local-path and a node selected──► provision a volume there, bind both
 *        └─waits: for its first consumer (event), for a class that does not exist (event)
 *   claim bound ──► keep its status Bound (Lost when its volume is gone)
 *   claim deleting ──no running pod uses it──► drop kubernetes.io/pvc-protection
 *   volume without claim ──► Available;  its claim gone ──► Released, then per reclaim policy:
 *        Retain: stays Released;  Delete: the volume is deleted (local-path: the node removes the
 *        directory first);  anything else Failed
 *   volume deleting ──not Bound──► drop kubernetes.io/pv-protection
 */
import {
  BIND_COMPLETED_ANNOTATION, BOUND_BY_CONTROLLER_ANNOTATION, capacityBytes, claimClass, LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION,
  PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, SELECTED_NODE_ANNOTATION, volumeAllowsNode, volumeFitsClaim,
} from "../../lib/storage.js";
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "../../lib/types.js";
import { localPathVolume } from "./local-path.js";

export type EventNote = { type: "Normal" | "Warning"; reason: string; message: string };

export type ClaimAction =
  | { type: "none"; event?: EventNote }
  /** write claimRef on the volume (and phase Bound), then volumeName and phase Bound on the claim */
  | { type: "bind"; volume: PersistentVolume }
  /** create this volume (already claimed), then bind the claim to it */
  | { type: "provision"; volume: PersistentVolume }
  /** the claim's status, when it differs */
  | { type: "claimStatus"; status: NonNullable<PersistentVolumeClaim["status"]>; event?: EventNote }
  | { type: "removeFinalizer"; finalizer: string };

export interface ClaimWorld {
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
  node(name: string): Node | undefined;
  /** the pods of the claim's namespace */
  pods(): readonly Pod[];
}

const terminated = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const usesClaim = (p: Pod, name: string) => (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name);

/** What to do about one claim. */
export function planClaim(claim: PersistentVolumeClaim, w: ClaimWorld): ClaimAction {
  const name = claim.metadata.name ?? "";
  if (claim.metadata.deletionTimestamp) {
    if (!claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return { type: "none" };
    const inUse = w.pods().some((p) => usesClaim(p, name) && !terminated(p));
    return inUse ? { type: "none" } : { type: "removeFinalizer", finalizer: PVC_PROTECTION_FINALIZER };
  }
  const volumeName = claim.spec.volumeName;
  if (volumeName) {
    const pv = w.volume(volumeName);
    if (!pv) {
      if (claim.status?.phase === "Lost") return { type: "none" };
      return { type: "claimStatus", status: { phase: "Lost" }, event: { type: "Warning", reason: "ClaimLost", message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!" } };
    }
    const ref = pv.spec.claimRef;
    // Bound by the user (volumeName set) to a volume not claimed yet: claim it.
    if (!ref) return volumeFitsClaim(pv, claim) ? { type: "bind", volume: pv } : { type: "none", event: { type: "Warning", reason: "FailedBinding", message: `volume "${volumeName}" does not fit the claim (class, access modes, capacity or selector)` } };
    if (ref.uid && ref.uid !== claim.metadata.uid) return { type: "none", event: { type: "Warning", reason: "FailedBinding", message: `volume "${volumeName}" is already bound to a different claim.` } };
    return boundStatus(claim, pv);
  }
  // Unbound. A volume pre-bound to this claim (claimRef set by the provisioner or a user) wins.
  const prebound = w.volumes().find((pv) => pv.spec.claimRef?.name === name && pv.spec.claimRef.namespace === claim.metadata.namespace && (!pv.spec.claimRef.uid || pv.spec.claimRef.uid === claim.metadata.uid) && !pv.metadata.deletionTimestamp);
  if (prebound) return { type: "bind", volume: prebound };
  const className = claimClass(claim);
  const sc = className ? w.storageClass(className) : undefined;
  const waitForConsumer = sc?.volumeBindingMode === "WaitForFirstConsumer";
  const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
  if (waitForConsumer && !selected) {
    return { type: "none", event: { type: "Normal", reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding" } };
  }
  const node = selected ? w.node(selected) : undefined;
  const fits = w.volumes().filter((pv) => !pv.spec.claimRef && volumeFitsClaim(pv, claim) && (!waitForConsumer || (node !== undefined && volumeAllowsNode(pv, node))));
  if (fits.length) {
    // The smallest volume that fits, as Kubernetes picks.
    fits.sort((a, b) => (capacityBytes(a) < capacityBytes(b) ? -1 : capacityBytes(a) > capacityBytes(b) ? 1 : (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")));
    return { type: "bind", volume: fits[0]! };
  }
  if (!className) return { type: "none", event: { type: "Normal", reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set" } };
  if (!sc) return { type: "none", event: { type: "Warning", reason: "ProvisioningFailed", message: `storageclass.storage.k8s.io "${className}" not found` } };
  if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
    return { type: "none", event: { type: "Normal", reason: "ExternalProvisioning", message: `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.` } };
  }
  if (!selected) {
    return { type: "none", event: { type: "Warning", reason: "ProvisioningFailed", message: `storageclass "${className}": the local-path provisioner needs volumeBindingMode WaitForFirstConsumer (a directory lives on one node: the node of the claim's first pod)` } };
  }
  const pv = localPathVolume(claim, sc, node, selected);
  if ("error" in pv) return { type: "none", event: { type: "Warning", reason: "ProvisioningFailed", message: `failed to provision volume with StorageClass "${className}": ${pv.error}` } };
  return { type: "provision", volume: pv };
}

/** A claim's status once bound to `pv`: the volume's access modes and capacity. */
export function boundClaimStatus(pv: PersistentVolume): NonNullable<PersistentVolumeClaim["status"]> {
  return { phase: "Bound", accessModes: pv.spec.accessModes ?? [], capacity: { ...(pv.spec.capacity ?? {}) } };
}

/** The status of a claim bound to `pv`, if it differs from the claim's. */
function boundStatus(claim: PersistentVolumeClaim, pv: PersistentVolume): ClaimAction {
  const status = boundClaimStatus(pv);
  const st = claim.status ?? {};
  const same = st.phase === "Bound" && JSON.stringify(st.accessModes ?? []) === JSON.stringify(status.accessModes) && JSON.stringify(st.capacity ?? {}) === JSON.stringify(status.capacity);
  return same ? { type: "none" } : { type: "claimStatus", status };
}

/** The claim with the binding written on it (what `bind` and `provision` then update). */
export function boundClaim(claim: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim {
  return {
    ...claim,
    metadata: { ...claim.metadata, annotations: { ...claim.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: "yes", [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" } },
    spec: { ...claim.spec, volumeName: pv.metadata.name },
  };
}

/** The volume with claimRef set to `claim`. */
export function claimedVolume(pv: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  const annotations = pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] ? pv.metadata.annotations : { ...pv.metadata.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" };
  return {
    ...pv,
    metadata: { ...pv.metadata, annotations },
    spec: {
      ...pv.spec,
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
    },
  };
}

export type VolumeAction =
  | { type: "none" }
  | { type: "phase"; phase: "Available" | "Bound" | "Released" | "Failed"; message?: string; event?: EventNote }
  | { type: "delete"; event?: EventNote }
  | { type: "removeFinalizer"; finalizer: string };

/**
 * What to do about one volume. `claim` is the claim its claimRef names, if it exists (with the
 * same uid); the caller confirms a missing claim with the API server before a release.
 */
export function planVolume(pv: PersistentVolume, claim: PersistentVolumeClaim | undefined): VolumeAction {
  const phase = pv.status?.phase;
  if (pv.metadata.deletionTimestamp) {
    if (pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER) && (phase !== "Bound" || !claim)) return { type: "removeFinalizer", finalizer: PV_PROTECTION_FINALIZER };
    return { type: "none" };
  }
  const ref = pv.spec.claimRef;
  if (!ref) return phase === "Available" ? { type: "none" } : { type: "phase", phase: "Available" };
  if (claim) {
    // Bound once the claim names it; until then the claim side binds it (pre-bound volumes wait).
    if (claim.spec.volumeName === pv.metadata.name && phase !== "Bound") return { type: "phase", phase: "Bound" };
    if (!claim.spec.volumeName && phase !== "Available" && phase !== "Bound") return { type: "phase", phase: "Available" };
    return { type: "none" };
  }
  // A claimRef without uid names a claim that may be created later (pre-binding by a user).
  if (!ref.uid) return phase === "Available" ? { type: "none" } : { type: "phase", phase: "Available" };
  const policy = pv.spec.persistentVolumeReclaimPolicy ?? "Retain";
  if (phase !== "Released" && phase !== "Failed") return { type: "phase", phase: "Released" };
  if (phase === "Failed" || policy === "Retain") return { type: "none" };
  if (policy === "Delete" && pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER) return { type: "delete" };
  return {
    type: "phase",
    phase: "Failed",
    message: `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`,
    event: { type: "Warning", reason: "VolumeFailedDelete", message: `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched` },
  };
}
