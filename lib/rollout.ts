/**
 * The client-side halves of `kubectl rollout` for Deployments and StatefulSets, as pure
 * functions: the status line of `rollout status`, the rows of `rollout history`, and what
 * `rollout undo` restores (a Deployment's template from a ReplicaSet; a StatefulSet's from a
 * ControllerRevision).
 */
import { canonicalJson } from "./pod-template-hash.js";
import { sortRevisions, templatePatch } from "./controller-revisions.js";
import type { ControllerRevision, Deployment, PodTemplateSpec, ReplicaSet, StatefulSet } from "./types.js";
import { POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from "./pod-template-hash.js";
import { CHANGE_CAUSE_ANNOTATION, getCondition, revisionOf } from "./deployment-revisions.js";

/** One evaluation of `rollout status`: the line to print, and whether we are done (or failed). */
export interface RolloutStatus {
  message: string;
  done: boolean;
  /** set when the rollout can never finish as is (ProgressDeadlineExceeded) */
  error?: string;
}

/** kubectl's DeploymentStatusViewer. */
export function rolloutStatus(d: Deployment): RolloutStatus {
  const name = d.metadata.name;
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { message: "Waiting for deployment spec update to be observed...", done: false };
  if (getCondition(s, "Progressing")?.reason === "ProgressDeadlineExceeded") {
    return { message: "", done: false, error: `deployment "${name}" exceeded its progress deadline` };
  }
  const want = d.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`, done: false };
  if ((s.replicas ?? 0) > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
  if ((s.availableReplicas ?? 0) < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

/** The ReplicaSets a Deployment controls, by revision (ascending). */
export function ownedByRevision(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet[] {
  return rss.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === d.metadata.uid)).sort((a, b) => revisionOf(a) - revisionOf(b));
}

/** `rollout history` rows: revision and change-cause (`<none>` when absent). */
export function historyRows(d: Deployment, rss: readonly ReplicaSet[]): { revision: number; changeCause: string }[] {
  return ownedByRevision(d, rss)
    .filter((rs) => revisionOf(rs) > 0)
    .map((rs) => ({ revision: revisionOf(rs), changeCause: rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? "<none>" }));
}

/** A ReplicaSet's template without the pod-template-hash label (what a Deployment holds). */
export function templateOf(rs: ReplicaSet): PodTemplateSpec {
  const t = structuredClone(rs.spec.template);
  if (t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return t;
}

/** What `rollout undo` should do. */
export type UndoPlan = { type: "rollback"; template: PodTemplateSpec; revision: number; changeCause?: string } | { type: "skip"; revision: number } | { type: "error"; message: string };

/**
 * Pick the revision to go back to (kubectl's DeploymentRollbacker): `toRevision` 0 means the one
 * before the current. The template is copied into the Deployment; the controller then finds the
 * old ReplicaSet by template and reuses it.
 */
export function planUndo(d: Deployment, rss: readonly ReplicaSet[], toRevision = 0): UndoPlan {
  if (d.spec.paused) {
    return { type: "error", message: `you cannot rollback a paused deployment; resume it first with 'kctl rollout resume deployment/${d.metadata.name}' and try again` };
  }
  const owned = ownedByRevision(d, rss).filter((rs) => revisionOf(rs) > 0);
  let target: ReplicaSet | undefined;
  if (toRevision > 0) {
    target = owned.find((rs) => revisionOf(rs) === toRevision);
    if (!target) return { type: "error", message: `unable to find specified revision ${toRevision} in history` };
  } else {
    if (owned.length < 2) return { type: "error", message: `no rollout history found for deployment "${d.metadata.name}"` };
    target = owned[owned.length - 2];
  }
  const revision = revisionOf(target);
  if (templatesEqualIgnoringHash(target.spec.template, d.spec.template)) return { type: "skip", revision };
  return { type: "rollback", template: templateOf(target), revision, changeCause: target.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] };
}

/**
 * The Deployment after a rollback: the revision's template in place of its own (a full replace,
 * sent as an update so the resourceVersion guards it, as kubectl's JSON patch does), and the
 * revision's change-cause carried over.
 */
export function rolledBack(d: Deployment, plan: Extract<UndoPlan, { type: "rollback" }>): Deployment {
  const next: Deployment = { ...d, spec: { ...d.spec, template: plan.template } };
  if (plan.changeCause) next.metadata = { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [CHANGE_CAUSE_ANNOTATION]: plan.changeCause } };
  return next;
}

/** kubectl's StatefulSetStatusViewer (partitioned rollouts included; a defaulted set has partition 0). */
export function statefulSetRolloutStatus(sts: StatefulSet): RolloutStatus {
  const s = sts.status ?? { replicas: 0 };
  const strategy = sts.spec.updateStrategy;
  if ((strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return { message: "", done: false, error: "rollout status is only available for RollingUpdate strategy type" };
  if (!s.observedGeneration || (sts.metadata.generation ?? 0) > s.observedGeneration) return { message: "Waiting for statefulset spec update to be observed...", done: false };
  const want = sts.spec.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  if (ready < want) return { message: `Waiting for ${want - ready} pods to be ready...`, done: false };
  const updated = s.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (partition !== undefined && updated < want - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${want - partition} new pods have been updated...`, done: false };
    }
    return { message: `partitioned roll out complete: ${updated} new pods have been updated...`, done: true };
  }
  if (s.updateRevision !== s.currentRevision) return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${s.updateRevision}...`, done: false };
  return { message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...`, done: true };
}

/** The ControllerRevisions a StatefulSet controls, oldest first. */
export function ownedRevisions(sts: StatefulSet, revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return sortRevisions(revisions.filter((r) => r.metadata.ownerReferences?.some((o) => o.controller && o.uid === sts.metadata.uid)));
}

/** `rollout history` rows of a StatefulSet: revision and change-cause (`<none>` when absent). */
export function statefulSetHistoryRows(sts: StatefulSet, revisions: readonly ControllerRevision[]): { revision: number; changeCause: string }[] {
  return ownedRevisions(sts, revisions).map((r) => ({ revision: r.revision, changeCause: r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] ?? "<none>" }));
}

/** What `rollout undo` does to a StatefulSet: send the revision's data as a strategic merge patch. */
export type StatefulSetUndoPlan = { type: "rollback"; patch: unknown; revision: number } | { type: "skip"; revision: number } | { type: "error"; message: string };

/**
 * kubectl's StatefulSetRollbacker: `toRevision` 0 means the revision before the newest. The
 * revision's data is the patch that restores its template; the controller then finds that
 * revision again and renumbers it.
 */
export function planStatefulSetUndo(sts: StatefulSet, revisions: readonly ControllerRevision[], toRevision = 0): StatefulSetUndoPlan {
  const history = ownedRevisions(sts, revisions);
  if (toRevision === 0 && history.length <= 1) return { type: "error", message: "no last revision to roll back to" };
  const target = toRevision === 0 ? history[history.length - 2] : history.find((r) => r.revision === toRevision);
  if (!target) return { type: "error", message: `unable to find specified revision ${toRevision} in history` };
  if (canonicalJson(templatePatch(sts.spec.template)) === canonicalJson(target.data)) return { type: "skip", revision: target.revision };
  return { type: "rollback", patch: target.data, revision: target.revision };
}
