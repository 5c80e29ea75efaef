/**
 * The Deployment controller's pure decision for one sync, following Kubernetes' syncDeployment:
 * claim ReplicaSets, find (or make) the ReplicaSet for the current template, then either scale
 * (paused or a replicas-only change) or take one rollout step (RollingUpdate or Recreate), clean
 * up old history, and compute status and conditions.
 */
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from "../../lib/types.js";
import { claim, type Claim } from "../util/claim.js";
import { controllerRef, isTerminating } from "../util/pods.js";
import { canonicalJson, computeTemplateHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from "../../lib/pod-template-hash.js";
import { findActiveOrLatest, newRSNewReplicas, proportionalScale, reconcileOldReplicaSets, type Scales } from "./rollout.js";
import {
  byCreation,
  DEFAULT_REVISION_HISTORY_LIMIT,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicas,
  getCondition,
  isRollingUpdate,
  maxReplicas,
  maxRevision,
  maxUnavailable,
  newCondition,
  progressDeadlineSeconds,
  removeCondition,
  REVISION_ANNOTATION,
  revisionOf,
  rsReplicas,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "./util.js";

/** An Event the controller should record on the Deployment. */
export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** Everything one Deployment sync should write, in apply order. */
export interface DeploymentPlan {
  /** orphan ReplicaSets matching the selector: set the Deployment as controller */
  adopt: ReplicaSet[];
  /** owned ReplicaSets that no longer match: drop the owner reference */
  release: ReplicaSet[];
  /** the new ReplicaSet to create (first write of the sync) */
  create?: ReplicaSet;
  /** ReplicaSets to update (full objects: size and/or annotations changed) */
  update: ReplicaSet[];
  /** old ReplicaSets beyond revisionHistoryLimit */
  delete: ReplicaSet[];
  /** annotations to merge into the Deployment's metadata (its revision), if changed */
  deploymentAnnotations?: Record<string, string>;
  status: DeploymentStatus;
  events: PlannedEvent[];
  /** re-sync after this long even without events (progress deadline) */
  requeueAfterMs?: number;
}

/** The inputs: the Deployment, ReplicaSets and pods of its namespace (from informers), the time. */
export interface DeploymentInput {
  deployment: Deployment;
  replicaSets: readonly ReplicaSet[];
  pods: readonly Pod[];
  now: Date;
}

/** Mutable working state of one sync: working copies of the ReplicaSets by name. */
class Sync {
  readonly rs = new Map<string, ReplicaSet>();
  readonly changed = new Set<string>();
  readonly events: PlannedEvent[] = [];
  create?: ReplicaSet;
  status: DeploymentStatus;
  deploymentRevision?: string;

  constructor(readonly d: Deployment, readonly now: Date) {
    this.status = structuredClone(d.status ?? {});
  }

  get(name: string): ReplicaSet {
    const rs = this.rs.get(name);
    if (!rs) throw new Error(`replica set ${name} not in sync`);
    return rs;
  }

  /** Scale a ReplicaSet (and refresh its desired/max annotations), recording ScalingReplicaSet. */
  scale(name: string, replicas: number): boolean {
    const rs = this.get(name);
    const from = rsReplicas(rs);
    const sizeChanged = from !== replicas;
    rs.spec.replicas = replicas;
    const annChanged = setReplicasAnnotations(rs, desiredReplicas(this.d), maxReplicas(this.d));
    if (sizeChanged || annChanged) this.changed.add(name);
    if (sizeChanged) {
      const dir = replicas > from ? "up" : "down";
      this.events.push({ type: "Normal", reason: "ScalingReplicaSet", message: `Scaled ${dir} replica set ${name} to ${replicas}` });
    }
    return sizeChanged;
  }

  applyScales(scales: Scales): boolean {
    let any = false;
    for (const [name, n] of scales) if (this.scale(name, n)) any = true;
    return any;
  }
}

/** Plan one sync of a Deployment. */
export function planDeployment(input: DeploymentInput): DeploymentPlan {
  const { deployment: d, now } = input;
  const sync = new Sync(d, now);
  const { claimed, adopt, release } = claimReplicaSets(d, input.replicaSets);
  for (const rs of claimed) sync.rs.set(rs.metadata.name ?? "", structuredClone(rs));
  const plan = (requeueAfterMs?: number, del: ReplicaSet[] = []): DeploymentPlan => ({
    adopt,
    release,
    create: sync.create,
    update: [...sync.changed].filter((n) => n !== sync.create?.metadata.name).map((n) => sync.get(n)),
    delete: del,
    deploymentAnnotations: sync.deploymentRevision !== undefined && d.metadata.annotations?.[REVISION_ANNOTATION] !== sync.deploymentRevision ? { [REVISION_ANNOTATION]: sync.deploymentRevision } : undefined,
    status: sync.status,
    events: sync.events,
    requeueAfterMs,
  });

  if (isTerminating(d)) {
    const { newRS } = splitReplicaSets(sync, false);
    sync.status = calculateStatus(sync, newRS);
    return plan();
  }

  checkPausedConditions(sync);
  if (d.spec.paused || isScalingEvent(sync)) {
    const { newRS, oldRSs } = splitReplicaSets(sync, false);
    scaleForEvent(sync, newRS, oldRSs);
    const del = d.spec.paused ? cleanupHistory(sync, oldRSs) : [];
    sync.status = calculateStatus(sync, newRS);
    return plan(undefined, del);
  }

  if (isRollingUpdate(d)) return rolloutRolling(sync, plan);
  return rolloutRecreate(sync, input.pods, plan);
}

type Finish = (requeueAfterMs?: number, del?: ReplicaSet[]) => DeploymentPlan;

function rolloutRolling(sync: Sync, finish: Finish): DeploymentPlan {
  const d = sync.d;
  const { newRS, oldRSs } = splitReplicaSets(sync, true);
  const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);
  if (newRS) {
    // Scale up the new ReplicaSet as far as maxSurge allows; one step per sync, as Kubernetes.
    const desired = desiredReplicas(d);
    const cur = rsReplicas(newRS);
    const target = cur > desired ? desired : newRSNewReplicas(d, all(), newRS);
    if (target !== cur && sync.scale(newRS.metadata.name ?? "", target)) return syncRolloutStatus(sync, newRS, finish);
  }
  const down = reconcileOldReplicaSets(d, oldRSs, newRS);
  if (sync.applyScales(down)) return syncRolloutStatus(sync, newRS, finish);
  let del: ReplicaSet[] = [];
  if (deploymentComplete(d, d.status ?? {})) del = cleanupHistory(sync, oldRSs);
  return syncRolloutStatus(sync, newRS, finish, del);
}

function rolloutRecreate(sync: Sync, pods: readonly Pod[], finish: Finish): DeploymentPlan {
  const d = sync.d;
  let { newRS, oldRSs } = splitReplicaSets(sync, false);
  let scaledDown = false;
  for (const rs of oldRSs) if (rsReplicas(rs) > 0 && sync.scale(rs.metadata.name ?? "", 0)) scaledDown = true;
  if (scaledDown) return syncRolloutStatus(sync, newRS, finish);
  // Recreate guarantees old pods are gone before new ones start.
  if (oldPodsRunning(oldRSs, pods)) return syncRolloutStatus(sync, newRS, finish);
  if (!newRS) ({ newRS, oldRSs } = splitReplicaSets(sync, true));
  if (newRS && rsReplicas(newRS) !== desiredReplicas(d) && newRS !== sync.create) sync.scale(newRS.metadata.name ?? "", desiredReplicas(d));
  let del: ReplicaSet[] = [];
  if (deploymentComplete(d, d.status ?? {})) del = cleanupHistory(sync, oldRSs);
  return syncRolloutStatus(sync, newRS, finish, del);
}

function oldPodsRunning(oldRSs: readonly ReplicaSet[], pods: readonly Pod[]): boolean {
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => {
    const ref = controllerRef(p);
    if (!ref || !uids.has(ref.uid)) return false;
    return p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded";
  });
}

/** Claim ReplicaSets as Kubernetes' ClaimReplicaSets: owned+matching, adopt orphans, release strays. */
export function claimReplicaSets(d: Deployment, all: readonly ReplicaSet[]): Claim<ReplicaSet> {
  return claim(d, selectorFromLabelSelector(d.spec.selector), all, (rs) => {
    const owned: ReplicaSet = structuredClone(rs);
    owned.metadata.ownerReferences = [...(owned.metadata.ownerReferences ?? []), ownerRefTo(d)];
    return owned;
  });
}

function ownerRefTo(d: Deployment) {
  return { apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name ?? "", uid: d.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

/**
 * Split the claimed ReplicaSets into the one for the current template and the old ones, syncing
 * revisions; create the new one when `create` and none matches (Kubernetes' getNewReplicaSet).
 */
function splitReplicaSets(sync: Sync, create: boolean): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
  const d = sync.d;
  const all = [...sync.rs.values()].sort(byCreation);
  const hash = computeTemplateHash(d.spec.template, d.status?.collisionCount);
  // The oldest equal template wins, as in FindNewReplicaSet; the hash label is a fast path that
  // also survives API defaulting differences.
  const newRS = all.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template)) ?? all.find((rs) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && rs.metadata.name === `${d.metadata.name}-${hash}`);
  const oldRSs = all.filter((rs) => rs !== newRS);
  const newRevision = maxRevision(oldRSs) + 1;
  const deadline = progressDeadlineSeconds(d) > 0;
  if (newRS) {
    const name = newRS.metadata.name ?? "";
    let changed = setNewReplicaSetAnnotations(d, newRS, newRevision, true);
    if ((newRS.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
      newRS.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      changed = true;
    }
    if (changed) sync.changed.add(name);
    sync.deploymentRevision = newRS.metadata.annotations?.[REVISION_ANNOTATION];
    if (deadline && !getCondition(sync.status, "Progressing")) {
      setCondition(sync.status, newCondition("Progressing", "True", "FoundNewReplicaSet", `Found new replica set "${name}"`, sync.now));
    }
    return { newRS, oldRSs };
  }
  if (!create) return { oldRSs };
  const rs = newReplicaSetFor(d, hash);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  const name = rs.metadata.name ?? "";
  sync.rs.set(name, rs);
  sync.create = rs;
  sync.deploymentRevision = String(newRevision);
  if (rsReplicas(rs) > 0) sync.events.push({ type: "Normal", reason: "ScalingReplicaSet", message: `Scaled up replica set ${name} to ${rsReplicas(rs)}` });
  if (deadline) {
    const c = newCondition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${name}"`, sync.now);
    removeCondition(sync.status, "Progressing");
    setCondition(sync.status, c);
  }
  return { newRS: rs, oldRSs };
}

/** The ReplicaSet for the Deployment's current template (replicas 0: the caller sizes it). */
export function newReplicaSetFor(d: Deployment, hash: string): ReplicaSet {
  const template = structuredClone(d.spec.template);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...(template.metadata.labels ?? {}) },
      annotations: {},
      ownerReferences: [ownerRefTo(d)],
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
}

/** Some active ReplicaSet was sized for a different spec.replicas (Kubernetes' isScalingEvent). */
function isScalingEvent(sync: Sync): boolean {
  const { newRS, oldRSs } = splitReplicaSetsReadOnly(sync);
  const want = String(desiredReplicas(sync.d));
  return [...oldRSs, ...(newRS ? [newRS] : [])].some((rs) => rsReplicas(rs) > 0 && rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] !== undefined && rs.metadata.annotations[DESIRED_REPLICAS_ANNOTATION] !== want);
}

function splitReplicaSetsReadOnly(sync: Sync): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
  const all = [...sync.rs.values()];
  const newRS = all.find((rs) => templatesEqualIgnoringHash(rs.spec.template, sync.d.spec.template));
  return { newRS, oldRSs: all.filter((rs) => rs !== newRS) };
}

/** Kubernetes' scale(): apply a change of spec.replicas to the ReplicaSets. */
function scaleForEvent(sync: Sync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
  const d = sync.d;
  const desired = desiredReplicas(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (rsReplicas(only) !== desired) sync.scale(only.metadata.name ?? "", desired);
    else if (setReplicasAnnotations(only, desired, maxReplicas(d))) sync.changed.add(only.metadata.name ?? "");
    return;
  }
  // The new ReplicaSet is saturated: the old ones can all go.
  if (newRS && rsReplicas(newRS) === desired && newRS.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] === String(desired) && (newRS.status?.availableReplicas ?? 0) === desired) {
    for (const rs of oldRSs) if (rsReplicas(rs) > 0) sync.scale(rs.metadata.name ?? "", 0);
    return;
  }
  if (isRollingUpdate(d)) {
    const active = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => rsReplicas(rs) > 0);
    const scales = proportionalScale(d, active);
    sync.applyScales(scales);
    // Unchanged ReplicaSets still need the new desired/max annotations, or the event never ends.
    for (const rs of active) if (setReplicasAnnotations(rs, desired, maxReplicas(d))) sync.changed.add(rs.metadata.name ?? "");
  }
}

function checkPausedConditions(sync: Sync): void {
  const d = sync.d;
  if (progressDeadlineSeconds(d) <= 0) return;
  const c = getCondition(sync.status, "Progressing");
  if (c?.reason === "ProgressDeadlineExceeded") return;
  const pausedNow = c?.reason === "DeploymentPaused";
  if (d.spec.paused && !pausedNow) setCondition(sync.status, newCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", sync.now));
  else if (!d.spec.paused && pausedNow) setCondition(sync.status, newCondition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", sync.now));
}

/** Delete old, fully scaled-down ReplicaSets beyond revisionHistoryLimit, oldest revision first. */
function cleanupHistory(sync: Sync, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = sync.d.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  const cleanable = oldRSs.filter((rs) => !isTerminating(rs));
  const diff = cleanable.length - limit;
  if (diff <= 0) return [];
  const sorted = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  const out: ReplicaSet[] = [];
  for (const rs of sorted.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    out.push(rs);
  }
  return out;
}

/** Status from the ReplicaSets (Kubernetes' calculateStatus), including the Available condition. */
function calculateStatus(sync: Sync, newRS: ReplicaSet | undefined): DeploymentStatus {
  const d = sync.d;
  const all = [...sync.rs.values()];
  const sum = (f: (rs: ReplicaSet) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const total = sum(rsReplicas);
  const status: DeploymentStatus = {
    ...sync.status,
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", sync.now));
  } else {
    setCondition(status, newCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", sync.now));
  }
  return status;
}

/** Status plus the Progressing condition (Kubernetes' syncRolloutStatus), and when to look again. */
function syncRolloutStatus(sync: Sync, newRS: ReplicaSet | undefined, finish: Finish, del: ReplicaSet[] = []): DeploymentPlan {
  const d = sync.d;
  const now = sync.now;
  const status = calculateStatus(sync, newRS);
  sync.status = status;
  const hasDeadline = progressDeadlineSeconds(d) > 0;
  if (!hasDeadline) {
    removeCondition(status, "Progressing");
    return finish(undefined, del);
  }
  const cur = getCondition(status, "Progressing");
  const complete = status.replicas === status.updatedReplicas && cur?.reason === "NewReplicaSetAvailable";
  if (!complete) {
    const rsName = newRS?.metadata.name;
    if (deploymentComplete(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(status, newCondition("Progressing", "True", "NewReplicaSetAvailable", msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const c = newCondition("Progressing", "True", "ReplicaSetUpdated", msg, now);
      // Progress refreshes lastUpdateTime even with the same reason: that is what the deadline measures.
      if (cur) {
        if (cur.status === "True") c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(status, "Progressing");
      }
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      const already = cur?.reason === "ProgressDeadlineExceeded";
      setCondition(status, newCondition("Progressing", "False", "ProgressDeadlineExceeded", msg, now));
      if (!already) sync.events.push({ type: "Warning", reason: "ProgressDeadlineExceeded", message: msg });
    }
  }
  return finish(requeueForDeadline(d, status, now), del);
}

/** A stuck rollout gets a re-sync when its deadline passes (Kubernetes' requeueStuckDeployment). */
function requeueForDeadline(d: Deployment, status: DeploymentStatus, now: Date): number | undefined {
  const c = getCondition(status, "Progressing");
  if (!c || c.reason === "NewReplicaSetAvailable" || c.reason === "ProgressDeadlineExceeded") return undefined;
  if (deploymentComplete(d, status)) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return undefined;
  const left = from + progressDeadlineSeconds(d) * 1000 - now.getTime();
  return Math.max(left, 0) + 100;
}

/** Whether status differs from what is stored (ignoring nothing: conditions carry timestamps that only change on real transitions). */
export function deploymentStatusChanged(d: Deployment, next: DeploymentStatus): boolean {
  return canonicalJson(d.status ?? {}) !== canonicalJson(next);
}
