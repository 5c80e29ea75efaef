/**
 * A StatefulSet pod's stable identity and storage, as Kubernetes' stateful_set_utils.go: the name
 * `<set>-<ordinal>`, the pod-name / pod-index / controller-revision-hash labels, hostname and
 * subdomain, and one claim `<template>-<set>-<ordinal>` per volumeClaimTemplate.
 */
import { CONTROLLER_REVISION_HASH_LABEL } from "../../lib/controller-revisions.js";
import type { OwnerReference, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, Volume } from "../../lib/types.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** `(parent)-(ordinal)`: a name that does not end in -<digits> belongs to no StatefulSet. */
const NAME_RE = /^(.*)-([0-9]+)$/;

/** The ordinal in a pod's name, or -1 when it has none (getOrdinal). */
export function ordinalOf(pod: Pod): number {
  const m = NAME_RE.exec(pod.metadata.name ?? "");
  if (!m) return -1;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whether the pod's name says it belongs to `set` (isMemberOf). */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return NAME_RE.exec(pod.metadata.name ?? "")?.[1] === set.metadata.name;
}

/** spec.ordinals.start (default 0). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec.ordinals?.start ?? 0;
}

/** spec.replicas (default 1). */
export function replicasOf(set: StatefulSet): number {
  return set.spec.replicas ?? 1;
}

/** Whether the ordinal is one the set wants now (podInOrdinalRange). */
export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + replicasOf(set);
}

/** `<set>-<ordinal>`: the stable name, hostname and DNS label of a pod. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The claim a template gives the pod of `ordinal` (getPersistentVolumeClaimName). */
export function claimName(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
}

/** The revision a pod was made from (its controller-revision-hash label). */
export function podRevision(pod: Pod): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** The controller reference the set puts on its pods and revisions. */
export function setControllerRef(set: StatefulSet): OwnerReference {
  return { apiVersion: "apps/v1", kind: "StatefulSet", name: set.metadata.name ?? "", uid: set.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/** The labels that make a pod's identity (updateIdentity). */
export function identityLabels(set: StatefulSet, ordinal: number): Record<string, string> {
  return { [POD_NAME_LABEL]: podName(set, ordinal), [POD_INDEX_LABEL]: String(ordinal) };
}

/** Whether the pod carries its identity labels (identityMatches; name and namespace cannot drift). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const ord = ordinalOf(pod);
  return isMemberOf(set, pod) && pod.metadata.namespace === set.metadata.namespace && Object.entries(identityLabels(set, ord)).every(([k, v]) => pod.metadata.labels?.[k] === v);
}

/**
 * The claims of the pod of `ordinal`, in template order: each template with its name, the set's
 * namespace, and the selector's matchLabels over the template's labels (getPersistentVolumeClaims).
 */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => {
    const meta = t.metadata ?? {};
    const claim: PersistentVolumeClaim = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: claimName(set, t, ordinal), namespace: set.metadata.namespace, labels: { ...(meta.labels ?? {}), ...(set.spec.selector.matchLabels ?? {}) } },
      spec: structuredClone(t.spec),
    };
    if (meta.annotations && Object.keys(meta.annotations).length) claim.metadata.annotations = { ...meta.annotations };
    return claim;
  });
}

/**
 * The pod of `ordinal` made from `template` (a revision's template) and labelled with `revision`
 * (newVersionedStatefulSetPod): owner reference, identity, hostname/subdomain for per-pod DNS,
 * and a persistentVolumeClaim volume per claim template, replacing a template volume of the same name.
 */
export function newPod(set: StatefulSet, template: PodTemplateSpec, revision: string, ordinal: number): Pod {
  const meta = template.metadata ?? {};
  const name = podName(set, ordinal);
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...identityLabels(set, ordinal), [CONTROLLER_REVISION_HASH_LABEL]: revision },
      ownerReferences: [setControllerRef(set)],
    },
    spec: structuredClone(template.spec),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  pod.spec.hostname = name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  const templates = set.spec.volumeClaimTemplates ?? [];
  const claimVolumes: Volume[] = templates.map((t) => ({ name: t.metadata.name ?? "", persistentVolumeClaim: { claimName: claimName(set, t, ordinal) } }));
  const byClaim = new Set(claimVolumes.map((v) => v.name));
  const volumes = [...claimVolumes, ...(pod.spec.volumes ?? []).filter((v) => !byClaim.has(v.name))];
  if (volumes.length) pod.spec.volumes = volumes;
  return pod;
}
