/**
 * Rollout arithmetic (Kubernetes' deployment/util and rolling.go): how far to scale the new
 * ReplicaSet up and the old ones down without breaking maxSurge / maxUnavailable, and how to split
 * a scaling event proportionally across ReplicaSets.
 *
 * Two deliberate tightenings over Kubernetes, so the guarantees hold at *every* instant and not
 * only once ReplicaSet status catches up: an old ReplicaSet counts as max(spec.replicas,
 * status.replicas) pods (its surplus pods may not be deleted yet), and as min(spec.replicas,
 * status.availableReplicas) available pods (a scale-down is about to remove some).
 */
import type { Deployment, ReplicaSet } from "../../lib/types.js";
import { byCreation, bySizeNewer, bySizeOlder, desiredReplicas, isRollingUpdate, MAX_REPLICAS_ANNOTATION, maxUnavailable, resolveFenceposts, rsReplicas } from "./util.js";

/** Pods a ReplicaSet may have right now: its spec, or more while a scale-down is in flight. */
export function podsUpperBound(rs: ReplicaSet): number {
  return Math.max(rsReplicas(rs), rs.status?.replicas ?? 0);
}

/** Available pods a ReplicaSet can be counted on for: a scale-down removes some soon. */
export function availableLowerBound(rs: ReplicaSet): number {
  return Math.min(rsReplicas(rs), rs.status?.availableReplicas ?? 0);
}

/** The size the new ReplicaSet may grow to now (Kubernetes' NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const current = rsReplicas(newRS);
  if (current === desired) return current;
  const { maxSurge } = resolveFenceposts(d);
  const maxTotal = desired + maxSurge;
  const currentPods = allRSs.reduce((n, rs) => n + (rs === newRS ? rsReplicas(rs) : podsUpperBound(rs)), 0);
  if (currentPods >= maxTotal) return current;
  const scaleUp = Math.min(maxTotal - currentPods, desired - current);
  return current + scaleUp;
}

/** A scale of one ReplicaSet decided by the rollout: target replicas, by name. */
export type Scales = Map<string, number>;

/**
 * Scale old ReplicaSets down as far as maxUnavailable allows (Kubernetes' reconcileOldReplicaSets):
 * first pods that are not available anyway, then available ones while `replicas - maxUnavailable`
 * stay available. Returns the new sizes of the old ReplicaSets that change.
 */
export function reconcileOldReplicaSets(d: Deployment, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): Scales {
  const out: Scales = new Map();
  const oldPods = oldRSs.reduce((n, rs) => n + rsReplicas(rs), 0);
  if (oldPods === 0) return out;
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const allPods = all.reduce((n, rs) => n + rsReplicas(rs), 0);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? Math.max(0, rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0)) : 0;
  let maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;

  // 1. Unhealthy replicas of old ReplicaSets can go at once: they are not available anyway.
  const sorted = [...oldRSs].sort(byCreation);
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const replicas = rsReplicas(rs);
    if (replicas === 0) continue;
    const unhealthy = replicas - availableLowerBound(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    out.set(rs.metadata.name ?? "", replicas - n);
    cleaned += n;
  }

  // 2. Available replicas, only down to minAvailable (not capped by maxScaledDown, as in Kubernetes).
  const sizeOf = (rs: ReplicaSet) => out.get(rs.metadata.name ?? "") ?? rsReplicas(rs);
  const available = all.reduce((n, rs) => n + (rs === newRS ? rs.status?.availableReplicas ?? 0 : Math.min(sizeOf(rs), availableLowerBound(rs))), 0);
  if (available <= minAvailable) return out;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of sorted) {
    if (scaled >= total) break;
    const replicas = sizeOf(rs);
    if (replicas === 0) continue;
    const n = Math.min(replicas, total - scaled);
    out.set(rs.metadata.name ?? "", replicas - n);
    scaled += n;
  }
  return out;
}

/** The single active ReplicaSet, or the newest if none is active; undefined if several are (FindActiveOrLatest). */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const active = all.filter((rs) => rsReplicas(rs) > 0);
  if (active.length === 1) return active[0];
  if (active.length === 0) return newRS ?? [...oldRSs].sort(byCreation).at(-1);
  return undefined;
}

function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/**
 * Proportional scaling (Kubernetes' scale() for RollingUpdate with several active ReplicaSets):
 * spread the change of `replicas + maxSurge` over the active ReplicaSets in proportion to their
 * size, leftovers to the largest.
 */
export function proportionalScale(d: Deployment, active: readonly ReplicaSet[]): Scales {
  const out: Scales = new Map();
  const desired = desiredReplicas(d);
  const allowed = desired > 0 ? desired + resolveFenceposts(d).maxSurge : 0;
  const current = active.reduce((n, rs) => n + rsReplicas(rs), 0);
  const toAdd = allowed - current;
  if (toAdd === 0 || active.length === 0) return out;
  const sorted = [...active].sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  let added = 0;
  for (const rs of sorted) {
    const replicas = rsReplicas(rs);
    let proportion = 0;
    if (replicas > 0 && toAdd !== added) {
      let fraction: number;
      if (desired === 0) fraction = -replicas;
      else {
        const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? current;
        fraction = annotated > 0 ? Math.round((replicas * allowed) / annotated) - replicas : 0;
      }
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    out.set(rs.metadata.name ?? "", replicas + proportion);
    added += proportion;
  }
  const first = sorted[0].metadata.name ?? "";
  out.set(first, Math.max(0, (out.get(first) ?? 0) + (toAdd - added)));
  for (const rs of sorted) if (out.get(rs.metadata.name ?? "") === rsReplicas(rs)) out.delete(rs.metadata.name ?? "");
  return out;
}
