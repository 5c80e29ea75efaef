/**
 * persistentVolumeClaimRetentionPolicy as owner references on the claims
 * (updateClaimOwnerRefForSetAndPod): the garbage collector deletes a claim once all its owners
 * are gone, so
 *
 *   whenDeleted  whenScaled  claim of a pod in range        claim of a condemned (scaled-down) pod
 *   Retain       Retain      no set / pod ref               no set / pod ref
 *   Delete       Retain      ref to the set                 ref to the set
 *   Retain       Delete      no ref                         ref to its pod (goes with the pod)
 *   Delete       Delete      ref to the set                 ref to its pod only
 *
 * The references are plain owners (not controllers), as Kubernetes writes them; other owners
 * of the claim are kept.
 */
import type { OwnerReference, PersistentVolumeClaim, Pod, StatefulSet } from "../../lib/types.js";

/** The claim's owner references as the policy wants them; `pod` must be the live pod (its uid). */
export function retentionOwnerRefs(set: StatefulSet, claim: PersistentVolumeClaim, pod: Pod, podInRange: boolean): OwnerReference[] {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const deleteWithSet = policy.whenDeleted === "Delete";
  const deleteOnScale = policy.whenScaled === "Delete";
  const setUid = set.metadata.uid ?? "";
  const podUid = pod.metadata.uid ?? "";
  const wantSet = deleteWithSet && !(deleteOnScale && !podInRange);
  const wantPod = deleteOnScale && !podInRange && podUid !== "";
  const others = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== setUid && !(r.kind === "Pod" && r.uid === podUid && podUid !== ""));
  const out = [...others];
  if (wantSet) out.push(keep(claim, setUid) ?? { apiVersion: "apps/v1", kind: "StatefulSet", name: set.metadata.name ?? "", uid: setUid });
  if (wantPod) out.push(keep(claim, podUid) ?? { apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", uid: podUid });
  return out;
}

/** Whether two owner reference lists hold the same owners (order aside). */
export function sameOwners(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[]): boolean {
  const x = (a ?? []).map((r) => r.uid).sort();
  const y = b.map((r) => r.uid).sort();
  return x.length === y.length && x.every((u, i) => u === y[i]);
}

/**
 * A claim left by an earlier pod of the same name that whenScaled=Delete handed to that pod: the
 * garbage collector is about to delete it, so the new pod must wait (hasStaleOwnerRef).
 */
export function claimIsStale(claim: PersistentVolumeClaim, podName: string, podUid: string | undefined): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => r.kind === "Pod" && r.name === podName && r.uid !== podUid);
}

function keep(claim: PersistentVolumeClaim, uid: string): OwnerReference | undefined {
  return claim.metadata.ownerReferences?.find((r) => r.uid === uid);
}
