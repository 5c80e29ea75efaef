/**
 * The built-in local-path provisioner (k3s' idea): a claim's volume is a directory on the node
 * its first pod was scheduled to, `<node's local-path dir>/pvc-<uid>_<namespace>_<name>`, pinned
 * to that node. The node's kubelet creates the directory when a pod mounts it and removes it when
 * the volume is deleted (the `kctl.io/local-path-cleanup` finalizer holds the volume till then).
 */
import {
  LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_DIR_ANNOTATION, LOCAL_PATH_PROVISIONER, pinnedToNode, PROVISIONED_BY_ANNOTATION, PV_PROTECTION_FINALIZER,
} from "../../lib/storage.js";
import type { Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../lib/types.js";

/** The volume for `claim` on `node`, or why there can be none. */
export function localPathVolume(claim: PersistentVolumeClaim, sc: StorageClass, node: Node | undefined, nodeName: string): PersistentVolume | { error: string } {
  if (!node) return { error: `node "${nodeName}" not found` };
  const base = node.metadata.annotations?.[LOCAL_PATH_DIR_ANNOTATION];
  if (!base) return { error: `node "${nodeName}" has no local-path directory (annotation ${LOCAL_PATH_DIR_ANNOTATION}): is its agent running?` };
  const uid = claim.metadata.uid ?? "";
  const ns = claim.metadata.namespace ?? "default";
  const name = claim.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: `pvc-${uid}`,
      annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER },
      finalizers: [PV_PROTECTION_FINALIZER, LOCAL_PATH_CLEANUP_FINALIZER],
    },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? "0" },
      accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec.volumeMode ?? "Filesystem",
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: ns, name, uid, resourceVersion: claim.metadata.resourceVersion },
      nodeAffinity: pinnedToNode(nodeName),
      hostPath: { path: `${base.replace(/\/+$/, "")}/pvc-${uid}_${ns}_${name}`, type: "DirectoryOrCreate" },
    },
  };
}
