/**
 * Storage's shared words and rules: the wire names of claims, volumes and the built-in
 * `local-path` class, and the pure matching that the volume binder, the scheduler and the kubelet
 * all need (does this volume fit this claim, may it be used on this node).
 */
import { parseQuantity } from "./quantity.js";
import { selectorFromLabelSelector } from "./selector.js";
import { nodeSelectorTermsMatch } from "./node-affinity.js";
import type { Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from "./types.js";

/** The built-in StorageClass: a directory per claim on the node of its first pod (k3s' idea). */
export const LOCAL_PATH_CLASS = "local-path";
/** Its provisioner name (StorageClass.provisioner, and the PV's provisioned-by annotation). */
export const LOCAL_PATH_PROVISIONER = "kctl.io/local-path";
/** The Node annotation where a kubelet publishes the directory local-path volumes live under. */
export const LOCAL_PATH_DIR_ANNOTATION = "kctl.io/local-path-dir";
/** Held on a provisioned local-path PV until its node's kubelet has removed the directory. */
export const LOCAL_PATH_CLEANUP_FINALIZER = "kctl.io/local-path-cleanup";

export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
/** Set on a WaitForFirstConsumer claim by the scheduler: the node its first pod goes to. */
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
export const PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by";
export const BOUND_BY_CONTROLLER_ANNOTATION = "pv.kubernetes.io/bound-by-controller";
export const BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed";
export const STORAGE_PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner";
/** A claim in use by a pod is not removed until no pod uses it. */
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
/** A volume bound to a claim is not removed until it is released. */
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";
/** The well-known node label volume node affinity names (the node's name). */
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

/** The class a claim asks for ("" = only volumes without a class). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec.storageClassName ?? "";
}

/** The default StorageClass among `classes` (annotated is-default-class "true"), newest wins as in Kubernetes. */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""));
  return defaults[0];
}

/** The requested size of a claim, in nano-bytes (0 when absent or unreadable): only compared. */
export function requestedBytes(pvc: PersistentVolumeClaim): bigint {
  return quantityBytes(pvc.spec.resources?.requests?.storage);
}

/** A PV's capacity, in the same unit. */
export function capacityBytes(pv: PersistentVolume): bigint {
  return quantityBytes(pv.spec.capacity?.storage);
}

function quantityBytes(q: string | undefined): bigint {
  if (!q) return 0n;
  try {
    return parseQuantity(q).nanos;
  } catch {
    return 0n;
  }
}

/**
 * Can `pv` serve `pvc` by Kubernetes' static binding rules: same class, not bound to another
 * claim, every requested access mode offered, capacity at least the request, selector matches
 * the volume's labels. (Node affinity is checked separately, against a node.)
 */
export function volumeFitsClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if (pv.metadata.deletionTimestamp) return false;
  if ((pv.spec.storageClassName ?? "") !== claimClass(pvc)) return false;
  const ref = pv.spec.claimRef;
  if (ref && !(ref.namespace === pvc.metadata.namespace && ref.name === pvc.metadata.name && (!ref.uid || ref.uid === pvc.metadata.uid))) return false;
  if (!ref && pv.status?.phase && pv.status.phase !== "Available" && pv.status.phase !== "Pending") return false;
  const offered = new Set(pv.spec.accessModes ?? []);
  if (!(pvc.spec.accessModes ?? []).every((m) => offered.has(m))) return false;
  if (capacityBytes(pv) < requestedBytes(pvc)) return false;
  if ((pv.spec.volumeMode ?? "Filesystem") !== (pvc.spec.volumeMode ?? "Filesystem")) return false;
  if (pvc.spec.selector) {
    try {
      if (!selectorFromLabelSelector(pvc.spec.selector).matches(pv.metadata.labels)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Does the volume's node affinity allow `node` (no affinity: every node)? */
export function volumeAllowsNode(pv: PersistentVolume, node: Pick<Node, "metadata">): boolean {
  const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms?.length) return true;
  const labels: Record<string, string> = { [HOSTNAME_LABEL]: node.metadata.name ?? "", ...node.metadata.labels };
  return nodeSelectorTermsMatch(terms, labels, node.metadata.name ?? "");
}

/** The node affinity that pins a volume to one node (what the local-path provisioner writes). */
export function pinnedToNode(nodeName: string): PersistentVolume["spec"]["nodeAffinity"] {
  return { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [nodeName] }] }] } };
}

/** The claim names a pod's volumes refer to. */
export function podClaimNames(spec: { volumes?: { persistentVolumeClaim?: { claimName: string } }[] }): string[] {
  return (spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));
}

const SHORT_ACCESS_MODES: Record<string, string> = { ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" };

/** Access modes as kubectl prints them: `RWO,ROX`. */
export function shortAccessModes(modes: unknown): string {
  return Array.isArray(modes) ? modes.map((m) => SHORT_ACCESS_MODES[String(m)] ?? String(m)).join(",") : "";
}
