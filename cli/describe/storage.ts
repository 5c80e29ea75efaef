/** `kctl describe pvc|pv|storageclass`, in kubectl's layout. */
import { DEFAULT_CLASS_ANNOTATION, shortAccessModes } from "../../lib/storage.js";
import type { NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../lib/types.js";
import { mapLines, metaLines } from "./common.js";
import type { DescribeWriter } from "./tabwriter.js";


function finalizersLine(w: DescribeWriter, finalizers: string[] | undefined): void {
  w.line(0, `Finalizers:\t[${(finalizers ?? []).join(" ")}]`);
}

/** A claim, with the pods that mount it (`Used By`). */
export function describeClaim(w: DescribeWriter, pvc: PersistentVolumeClaim, usedBy: string[]): void {
  w.line(0, `Name:\t${pvc.metadata.name ?? ""}`);
  w.line(0, `Namespace:\t${pvc.metadata.namespace ?? ""}`);
  w.line(0, `StorageClass:\t${pvc.spec?.storageClassName ?? ""}`);
  w.line(0, `Status:\t${pvc.metadata.deletionTimestamp ? `Terminating (lasts ${pvc.metadata.deletionTimestamp})` : pvc.status?.phase ?? ""}`);
  w.line(0, `Volume:\t${pvc.spec?.volumeName ?? ""}`);
  metaLines(w, pvc, { name: false, namespace: false });
  finalizersLine(w, pvc.metadata.finalizers);
  w.line(0, `Capacity:\t${pvc.status?.capacity?.storage ?? ""}`);
  w.line(0, `Access Modes:\t${shortAccessModes(pvc.status?.accessModes)}`);
  w.line(0, `VolumeMode:\t${pvc.spec?.volumeMode ?? "Filesystem"}`);
  w.line(0, `Used By:\t${usedBy.length ? usedBy.join(", ") : "<none>"}`);
}

function termText(t: NodeSelectorTerm): string {
  const exprs = (t.matchExpressions ?? []).map((e) => `${e.key} ${e.operator.toLowerCase()} [${(e.values ?? []).join(", ")}]`);
  const fields = (t.matchFields ?? []).map((f) => `${f.key} ${f.operator.toLowerCase()} [${(f.values ?? []).join(", ")}]`);
  return [...exprs, ...fields].join(", ") || "<none>";
}

/** A volume: claim, policy, node affinity and its source. */
export function describeVolume(w: DescribeWriter, pv: PersistentVolume): void {
  metaLines(w, pv, { namespace: false });
  finalizersLine(w, pv.metadata.finalizers);
  w.line(0, `StorageClass:\t${pv.spec?.storageClassName ?? ""}`);
  w.line(0, `Status:\t${pv.metadata.deletionTimestamp ? `Terminating (lasts ${pv.metadata.deletionTimestamp})` : pv.status?.phase ?? ""}`);
  const ref = pv.spec?.claimRef;
  w.line(0, `Claim:\t${ref?.name ? `${ref.namespace ?? ""}/${ref.name}` : ""}`);
  w.line(0, `Reclaim Policy:\t${pv.spec?.persistentVolumeReclaimPolicy ?? ""}`);
  w.line(0, `Access Modes:\t${shortAccessModes(pv.spec?.accessModes)}`);
  w.line(0, `VolumeMode:\t${pv.spec?.volumeMode ?? "Filesystem"}`);
  w.line(0, `Capacity:\t${pv.spec?.capacity?.storage ?? ""}`);
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (!terms.length) w.line(0, "Node Affinity:\t<none>");
  else {
    w.line(0, "Node Affinity:\t");
    w.line(1, "Required Terms:\t");
    terms.forEach((t, i) => w.line(2, `Term ${i}:\t${termText(t)}`));
  }
  w.line(0, `Message:\t${pv.status?.message ?? ""}`);
  w.line(0, "Source:");
  if (pv.spec?.hostPath) {
    w.line(1, "Type:\tHostPath (bare host directory volume)");
    w.line(1, `Path:\t${pv.spec.hostPath.path}`);
    w.line(1, `HostPathType:\t${pv.spec.hostPath.type ?? ""}`);
  } else if (pv.spec?.local) {
    w.line(1, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)");
    w.line(1, `Path:\t${pv.spec.local.path}`);
  }
}

/** A storage class. */
export function describeStorageClass(w: DescribeWriter, sc: StorageClass): void {
  w.line(0, `Name:\t${sc.metadata.name ?? ""}`);
  w.line(0, `IsDefaultClass:\t${sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true" ? "Yes" : "No"}`);
  mapLines(w, 0, "Annotations", sc.metadata.annotations, (k) => k === "kubectl.kubernetes.io/last-applied-configuration");
  w.line(0, `Provisioner:\t${sc.provisioner ?? ""}`);
  mapLines(w, 0, "Parameters", sc.parameters);
  w.line(0, `AllowVolumeExpansion:\t${sc.allowVolumeExpansion === undefined ? "<unset>" : sc.allowVolumeExpansion ? "True" : "False"}`);
  w.line(0, `MountOptions:\t${sc.mountOptions?.length ? sc.mountOptions.join(", ") : "<none>"}`);
  w.line(0, `ReclaimPolicy:\t${sc.reclaimPolicy ?? ""}`);
  w.line(0, `VolumeBindingMode:\t${sc.volumeBindingMode ?? ""}`);
}
