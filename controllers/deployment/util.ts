/**
 * Deployment helpers with Kubernetes' semantics: annotations, revisions, fenceposts (maxSurge /
 * maxUnavailable), conditions and replica-set arithmetic.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from "../../lib/types.js";
import { scaledValue } from "../util/intorstr.js";
import { getCondition, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, revisionOf } from "../../lib/deployment-revisions.js";

export {
  CHANGE_CAUSE_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  getCondition,
  MAX_REPLICAS_ANNOTATION,
  RESTARTED_AT_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  revisionOf,
} from "../../lib/deployment-revisions.js";

/** Deployment annotations never copied onto its ReplicaSets (Kubernetes' skipCopyAnnotation). */
const SKIP_COPY = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  "deprecated.deployment.rollback.to",
]);

export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** spec.replicas with the API default of 1. */
export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function rsReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/**
 * maxSurge and maxUnavailable as absolute numbers (Kubernetes' ResolveFenceposts): surge rounds
 * up, unavailable rounds down, and if both come out 0 unavailable becomes 1 so a rollout can move.
 */
export function resolveFenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  if (!isRollingUpdate(d)) return { maxSurge: 0, maxUnavailable: 0 };
  const desired = desiredReplicas(d);
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge, desired, true, "25%");
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, false, "25%");
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** maxUnavailable capped at replicas; 0 for Recreate (Kubernetes' MaxUnavailable). */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || desiredReplicas(d) === 0) return 0;
  return Math.min(resolveFenceposts(d).maxUnavailable, desiredReplicas(d));
}

/** replicas + maxSurge: the most pods a rollout may have (max-replicas annotation). */
export function maxReplicas(d: Deployment): number {
  return desiredReplicas(d) + resolveFenceposts(d).maxSurge;
}

/** An object's revision annotation as a number (0 when absent or malformed). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function createdMs(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata.creationTimestamp ?? "");
  return Number.isNaN(t) ? 0 : t;
}

/** Oldest first, ties by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return createdMs(a) - createdMs(b) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/** Larger first; ties newer first (ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return rsReplicas(b) - rsReplicas(a) || -byCreation(a, b);
}

/** Larger first; ties older first (ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return rsReplicas(b) - rsReplicas(a) || byCreation(a, b);
}

/**
 * Copy the Deployment's annotations onto a ReplicaSet and move its revision forward to
 * `newRevision` (Kubernetes' SetNewReplicaSetAnnotations). Mutates `rs`; true if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIP_COPY.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const old = ann[REVISION_ANNOTATION];
  const oldNum = Number(old ?? "0");
  if (!old || oldNum < newRevision) {
    ann[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old && exists) {
      const history = ann[REVISION_HISTORY_ANNOTATION];
      ann[REVISION_HISTORY_ANNOTATION] = history ? `${history},${old}` : old;
    }
  }
  if (!exists && setReplicasAnnotations(rs, desiredReplicas(d), maxReplicas(d))) changed = true;
  return changed;
}

/** Set desired-replicas and max-replicas; true if they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  if (ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    ann[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (ann[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    ann[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * Set a condition as Kubernetes' SetDeploymentCondition: no-op when status and reason are
 * unchanged; keeps lastTransitionTime when only the reason changes.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  if (cur && cur.status === cond.status) cond.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
}

export function newCondition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string, now: Date): DeploymentCondition {
  const t = now.toISOString();
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** spec.progressDeadlineSeconds with the API default (600 s). */
export function progressDeadlineSeconds(d: Deployment): number {
  return d.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

/** A rollout is complete when every replica is updated and available and the spec is observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const n = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n && (s.availableReplicas ?? 0) === n && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Progress since the last stored status (Kubernetes' DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

/** Whether progress stalled past progressDeadlineSeconds (Kubernetes' DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  const c = getCondition(s, "Progressing");
  if (!c || c.reason === "NewReplicaSetAvailable") return false;
  if (c.reason === "ProgressDeadlineExceeded") return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return false;
  return from + progressDeadlineSeconds(d) * 1000 < now.getTime();
}
