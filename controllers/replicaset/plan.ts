/**
 * The ReplicaSet controller's pure decision: given a ReplicaSet and the pods in its namespace,
 * what to create, delete, adopt and release, and what the status should say.
 */
import { labelsContain, selectorFromLabelSelector } from "../../lib/selector.js";
import type { Pod, ReplicaSet, ReplicaSetStatus } from "../../lib/types.js";
import { claim } from "../util/claim.js";
import { compareForDeletion, isPodActive, isPodAvailable, isPodReady, isTerminating, msUntilAvailable } from "../util/pods.js";

/** Kubernetes' burstReplicas: never create or delete more than this in one sync. */
export const BURST_REPLICAS = 500;

/** What the ReplicaSet controller should do for one ReplicaSet. */
export interface ReplicaSetPlan {
  /** number of pods to create from the template */
  create: number;
  /** pods to delete, best candidates first */
  delete: Pod[];
  /** orphans matching the selector: set this ReplicaSet as their controller */
  adopt: Pod[];
  /** owned pods that no longer match: remove our owner reference */
  release: Pod[];
  status: ReplicaSetStatus;
  /** when a ready pod will turn available (minReadySeconds), re-sync after this many ms */
  requeueAfterMs?: number;
}

/**
 * Plan one sync. `pods` may be every pod in the namespace; pods controlled by another owner are
 * ignored. Pods are only created or deleted when `manage` is true (expectations satisfied and the
 * ReplicaSet not being deleted); status is always computed.
 */
export function planReplicaSet(rs: ReplicaSet, pods: readonly Pod[], now: Date, manage = true): ReplicaSetPlan {
  const selector = selectorFromLabelSelector(rs.spec.selector);
  const { claimed, adopt, release } = claim(rs, selector, pods);

  const active = claimed.filter(isPodActive);
  const replicas = rs.spec.replicas ?? 1;
  let create = 0;
  let del: Pod[] = [];
  if (manage && !isTerminating(rs)) {
    const diff = active.length - replicas;
    if (diff < 0) create = Math.min(-diff, BURST_REPLICAS);
    else if (diff > 0) del = [...active].sort(compareForDeletion).slice(0, Math.min(diff, BURST_REPLICAS));
  }

  const minReady = rs.spec.minReadySeconds ?? 0;
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  let requeueAfterMs: number | undefined;
  for (const p of active) {
    const left = msUntilAvailable(p, minReady, now);
    if (left !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, left);
  }
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => labelsContain(p.metadata.labels, templateLabels)).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  if (rs.status?.conditions?.length) status.conditions = rs.status.conditions;
  return { create, delete: del, adopt, release, status, requeueAfterMs };
}

/** Whether the stored status differs from the planned one (skip no-op writes). */
export function statusChanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) !== next.replicas ||
    (cur.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (cur.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (cur.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (cur.observedGeneration ?? 0) !== (next.observedGeneration ?? 0)
  );
}

/** The pod a ReplicaSet creates: its template, `generateName: <rs>-`, and a controller owner reference. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec.template;
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name ?? "", uid: rs.metadata.uid ?? "", controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: structuredClone(t.spec),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}
