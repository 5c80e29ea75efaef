/**
 * Pod predicates shared by the controllers, with Kubernetes' meanings: "active" (counts towards a
 * ReplicaSet), "ready", "available" (ready for at least minReadySeconds) and the ranking used to
 * choose which pods to delete first.
 */
import type { KObject, OwnerReference, Pod } from "../../lib/types.js";

/** Terminating: the API server has set a deletionTimestamp. */
export function isTerminating(obj: KObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/** Active: not terminating and not finished (Kubernetes' controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !isTerminating(pod) && phase !== "Succeeded" && phase !== "Failed";
}

/** The pod's Ready condition, if any. */
export function readyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** Ready: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod became Ready (lastTransitionTime of Ready=True), in ms; undefined if not ready. */
export function readySince(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== "True") return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  // A Ready condition without a transition time counts as ready "forever" (Kubernetes does the same).
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Available: ready for at least minReadySeconds at `now` (Kubernetes' podutil.IsPodAvailable).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const since = readySince(pod);
  if (since === undefined) return false;
  if (!minReadySeconds) return true;
  return since + minReadySeconds * 1000 <= now.getTime();
}

/**
 * Milliseconds until a ready-but-not-yet-available pod becomes available; undefined if the pod is
 * not ready or already available. Lets a controller requeue instead of polling.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: Date): number | undefined {
  const since = readySince(pod);
  if (since === undefined || !minReadySeconds) return undefined;
  const left = since + minReadySeconds * 1000 - now.getTime();
  return left > 0 ? left : undefined;
}

/** The controller owner reference (controller: true), if any. */
export function controllerRef(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
}

function phaseRank(pod: Pod): number {
  switch (pod.status?.phase) {
    case "Pending":
    case undefined:
      return 0;
    case "Unknown":
      return 1;
    case "Running":
      return 2;
    default:
      return 3;
  }
}

function created(pod: Pod): number {
  const t = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Kubernetes' ActivePods ordering: the pod that sorts first is the best one to delete.
 * Unscheduled < scheduled; Pending < Unknown < Running; not ready < ready; ready for less time <
 * ready for longer; more restarts < fewer; newer < older. Ties broken by name for determinism.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aBound = a.spec.nodeName ? 1 : 0;
  const bBound = b.spec.nodeName ? 1 : 0;
  if (aBound !== bBound) return aBound - bBound;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const aReady = isPodReady(a) ? 1 : 0;
  const bReady = isPodReady(b) ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    const ra = readySince(a) ?? 0;
    const rb = readySince(b) ?? 0;
    if (ra !== rb) return rb - ra; // became ready later = ready for less time = delete first
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  if (created(a) !== created(b)) return created(b) - created(a);
  return (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/** When the pod's containers last terminated (ms; the newest `state.terminated.finishedAt`), if any did. */
export function containersFinishedAt(pod: Pod): number | undefined {
  let last: number | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = Date.parse(cs.state?.terminated?.finishedAt ?? "");
    if (!Number.isNaN(t)) last = Math.max(last ?? 0, t);
  }
  return last;
}
