/**
 * The StatefulSet controller's pure decision for one sync, following Kubernetes'
 * updateStatefulSet (stateful_set_control.go):
 *
 *   pods ──► replicas[ordinal - start]  (missing slots: a new pod of the current revision below
 *        │                                the partition, of the update revision above it)
 *        └► condemned (ordinal out of range, highest first)
 *
 *   1. each replica in ordinal order: Failed/Succeeded → delete (recreated next sync);
 *      missing → create its claims, then it; Pending → create missing claims; fix identity
 *      labels and claim retention owners. OrderedReady stops at the first pod it created or
 *      that is not Running+Ready(+available); Parallel goes on.
 *   2. condemned pods: retention owners first, then delete — OrderedReady one at a time, highest
 *      first, only once every replica is healthy; Parallel all at once.
 *   3. RollingUpdate (OnDelete stops here): delete pods not at the update revision, highest
 *      ordinal first down to the partition, while fewer than maxUnavailable replicas are unavailable.
 *
 * Status counts the existing pods; currentRevision moves to updateRevision once every pod is
 * updated and ready (completeRollingUpdate).
 */
import { templateOfRevision } from "../../lib/controller-revisions.js";
import type { ControllerRevision, OwnerReference, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetStatus } from "../../lib/types.js";
import type { EventType } from "../../lib/events.js";
import { scaledValue } from "../util/intorstr.js";
import { isPodAvailable, isPodReady, isTerminating, msUntilAvailable } from "../util/pods.js";
import { claimsFor, identityLabels, identityMatches, inOrdinalRange, newPod, ordinalOf, podName, podRevision, replicasOf, startOrdinal } from "./identity.js";
import { claimIsStale, retentionOwnerRefs, sameOwners } from "./retention.js";

/** What one sync sees. */
export interface StatefulSetPlanInput {
  set: StatefulSet;
  /** the pods the set controls (claimed, members by name) */
  pods: readonly Pod[];
  /** claims in the set's namespace, by name */
  claims: ReadonlyMap<string, PersistentVolumeClaim>;
  currentRevision: ControllerRevision;
  updateRevision: ControllerRevision;
  collisionCount: number;
  now: Date;
}

/** An event the plan asks for (beyond the per-write ones). */
export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** What to write, in this order: claim owners, claims, pods to create, labels, deletions. */
export interface StatefulSetPlan {
  /** claims whose owner references must change for the retention policy */
  claimOwners: { claim: PersistentVolumeClaim; ownerReferences: OwnerReference[] }[];
  /** claims to create, each before the pod named here (which is created or pending) */
  createClaims: { claim: PersistentVolumeClaim; pod: string }[];
  createPods: Pod[];
  /** pods missing their identity labels (adopted, or edited): the labels to merge in */
  relabelPods: { pod: Pod; labels: Record<string, string> }[];
  /** with why: a Failed/Succeeded pod, a scale-down, or a rolling update */
  deletePods: { pod: Pod; why: "finished" | "condemned" | "update" }[];
  /** events beyond the per-write ones (the apply step records those) */
  events: PlannedEvent[];
  status: StatefulSetStatus;
  /** a ready pod turns available (minReadySeconds) after this many ms: sync again then */
  requeueAfterMs?: number;
}

const isRunningAndReady = (p: Pod): boolean => p.status?.phase === "Running" && isPodReady(p);
const isRunningAndAvailable = (p: Pod, minReady: number, now: Date): boolean => isRunningAndReady(p) && isPodAvailable(p, minReady, now);
const isFinished = (p: Pod): boolean => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";

/** Plan one sync of `set`. */
export function planStatefulSet(input: StatefulSetPlanInput): StatefulSetPlan {
  const { set, claims, currentRevision, updateRevision, now } = input;
  const plan: StatefulSetPlan = { claimOwners: [], createClaims: [], createPods: [], relabelPods: [], deletePods: [], events: [], status: { replicas: 0 } };
  const minReady = set.spec.minReadySeconds ?? 0;
  const monotonic = set.spec.podManagementPolicy !== "Parallel";
  const start = startOrdinal(set);
  const count = replicasOf(set);
  const currentTemplate = templateOfRevision(currentRevision) ?? set.spec.template;
  const updateTemplate = templateOfRevision(updateRevision) ?? set.spec.template;
  const partition = set.spec.updateStrategy?.type === "OnDelete" ? 0 : (set.spec.updateStrategy?.rollingUpdate?.partition ?? 0);

  const replicas: (Pod | undefined)[] = Array.from({ length: count }, () => undefined);
  const condemned: Pod[] = [];
  for (const pod of input.pods) {
    const ord = ordinalOf(pod);
    if (ord < 0) continue;
    if (inOrdinalRange(set, ord)) replicas[ord - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const unavailable = (p: Pod | undefined): boolean => !p || isTerminating(p) || !isRunningAndAvailable(p, minReady, now);
  const firstUnavailable = replicas.find(unavailable) ?? [...condemned].reverse().find(unavailable);

  const finish = (deletedForUpdate = 0): StatefulSetPlan => {
    const counted = computeStatus(input, [...replicas.filter((p): p is Pod => p !== undefined), ...condemned]);
    counted.currentReplicas = Math.max(0, (counted.currentReplicas ?? 0) - deletedForUpdate);
    plan.status = completeRollingUpdate(set, counted);
    for (const p of [...replicas, ...condemned]) {
      const left = p && !isTerminating(p) ? msUntilAvailable(p, minReady, now) : undefined;
      if (left !== undefined) plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, left);
    }
    return plan;
  };
  if (isTerminating(set)) return finish();

  /** Claims of `ordinal` that are missing (to create), or true when one is being deleted. */
  const missingClaims = (ordinal: number, podName: string): PersistentVolumeClaim[] | "terminating" => {
    const out: PersistentVolumeClaim[] = [];
    for (const c of claimsFor(set, ordinal)) {
      const existing = claims.get(c.metadata.name ?? "");
      if (!existing) out.push(withRetention(set, c, podName));
      else if (existing.metadata.deletionTimestamp) return "terminating";
    }
    return out;
  };
  /** Retention owner fixes for the existing claims of a live pod. */
  const fixClaimOwners = (pod: Pod, inRange: boolean): void => {
    for (const c of claimsFor(set, ordinalOf(pod))) {
      const existing = claims.get(c.metadata.name ?? "");
      if (!existing || existing.metadata.deletionTimestamp) continue;
      const refs = retentionOwnerRefs(set, existing, pod, inRange);
      if (!sameOwners(existing.metadata.ownerReferences, refs)) plan.claimOwners.push({ claim: existing, ownerReferences: refs });
    }
  };

  // 1. replicas, lowest ordinal first
  let blocked = false;
  for (let i = 0; i < count && !blocked; i++) {
    const ordinal = start + i;
    const pod = replicas[i];
    if (!pod) {
      const name = podName(set, ordinal);
      const stale = claimsFor(set, ordinal).some((c) => {
        const existing = claims.get(c.metadata.name ?? "");
        return existing !== undefined && claimIsStale(existing, name, undefined);
      });
      // A claim handed to an earlier pod of this name is about to be collected: wait for it.
      if (stale) {
        blocked = monotonic;
        continue;
      }
      const missing = missingClaims(ordinal, name);
      if (missing === "terminating") {
        plan.events.push({ type: "Warning", reason: "FailedCreate", message: `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: a PersistentVolumeClaim of the pod is being deleted` });
        blocked = monotonic;
        continue;
      }
      for (const claim of missing) plan.createClaims.push({ claim, pod: name });
      const fromCurrent = set.spec.updateStrategy?.type !== "OnDelete" && ordinal < start + partition;
      plan.createPods.push(fromCurrent ? newPod(set, currentTemplate, currentRevision.metadata.name ?? "", ordinal) : newPod(set, updateTemplate, updateRevision.metadata.name ?? "", ordinal));
      // OrderedReady: the next ordinal waits for this one to be Running and Ready.
      blocked = monotonic;
      continue;
    }
    if (isFinished(pod)) {
      // Deleted now and recreated by a later sync, once it is gone (same name).
      if (!isTerminating(pod)) plan.deletePods.push({ pod, why: "finished" });
      blocked = monotonic;
      continue;
    }
    if (pod.status?.phase === "Pending" || !pod.status?.phase) {
      const missing = missingClaims(ordinal, pod.metadata.name ?? "");
      if (missing !== "terminating") for (const claim of missing) plan.createClaims.push({ claim, pod: pod.metadata.name ?? "" });
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndAvailable(pod, minReady, now))) {
      blocked = true;
      continue;
    }
    if (!isTerminating(pod)) {
      if (!identityMatches(set, pod)) plan.relabelPods.push({ pod, labels: identityLabels(set, ordinal) });
      fixClaimOwners(pod, true);
    }
  }
  if (blocked) return finish();

  // 2. condemned pods: claims handed over first, then the pods, highest ordinal first
  for (const pod of condemned) if (!isTerminating(pod)) fixClaimOwners(pod, false);
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return finish();
      continue;
    }
    if (monotonic && pod !== firstUnavailable && !isRunningAndAvailable(pod, minReady, now)) return finish();
    plan.deletePods.push({ pod, why: "condemned" });
    if (monotonic) return finish();
  }

  // 3. rolling update
  if (set.spec.updateStrategy?.type === "OnDelete") return finish();
  const maxUnavailable = Math.max(1, scaledValue(set.spec.updateStrategy?.rollingUpdate?.maxUnavailable, count, false, 1));
  const down = replicas.filter(unavailable).length;
  let budget = maxUnavailable - down;
  const updateName = updateRevision.metadata.name ?? "";
  let deletedForUpdate = 0;
  for (let i = count - 1; i >= partition && budget > 0; i--) {
    const pod = replicas[i];
    if (!pod || isTerminating(pod) || podRevision(pod) === updateName) continue;
    plan.deletePods.push({ pod, why: "update" });
    budget--;
    deletedForUpdate++;
  }
  return finish(deletedForUpdate);
}

/** A new claim with the retention owners its (in-range) pod's set wants. */
function withRetention(set: StatefulSet, claim: PersistentVolumeClaim, podName: string): PersistentVolumeClaim {
  const refs = retentionOwnerRefs(set, claim, { apiVersion: "v1", kind: "Pod", metadata: { name: podName }, spec: { containers: [] } }, true);
  return refs.length ? { ...claim, metadata: { ...claim.metadata, ownerReferences: refs } } : claim;
}

/** computeReplicaStatus + completeRollingUpdate over the existing pods. */
function computeStatus(input: StatefulSetPlanInput, pods: readonly Pod[]): StatefulSetStatus {
  const { set, currentRevision, updateRevision, now } = input;
  const minReady = set.spec.minReadySeconds ?? 0;
  const current = currentRevision.metadata.name ?? "";
  const update = updateRevision.metadata.name ?? "";
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 0,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    currentRevision: current,
    updateRevision: update,
    collisionCount: input.collisionCount,
  };
  for (const p of pods) {
    status.replicas++;
    if (isRunningAndReady(p)) {
      status.readyReplicas = (status.readyReplicas ?? 0) + 1;
      if (isPodAvailable(p, minReady, now)) status.availableReplicas = (status.availableReplicas ?? 0) + 1;
    }
    if (!isTerminating(p)) {
      if (podRevision(p) === current) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
      if (podRevision(p) === update) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
    }
  }
  if (set.status?.conditions?.length) status.conditions = set.status.conditions;
  return status;
}

/**
 * completeRollingUpdate: once every pod runs the update revision and is ready, it becomes the
 * current revision (after the update deletions of this sync are counted out).
 */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  if (set.spec.updateStrategy?.type === "OnDelete") return status;
  if (status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

/** Whether the stored status differs from `next` (inconsistentStatus: skip no-op writes). */
export function statusChanged(set: StatefulSet, next: StatefulSetStatus): boolean {
  const cur = set.status ?? { replicas: 0 };
  const keys: (keyof StatefulSetStatus)[] = ["observedGeneration", "replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "currentRevision", "updateRevision", "collisionCount"];
  return keys.some((k) => (cur[k] ?? 0) !== (next[k] ?? 0));
}
