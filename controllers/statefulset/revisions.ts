/**
 * A StatefulSet's history as Kubernetes keeps it (getStatefulSetRevisions, truncateHistory):
 *
 *   template unchanged since the newest revision   update revision = the newest one
 *   template equal to an older revision (undo)     that revision, renumbered to newest + 1
 *   a new template                                  create `<set>-<hash>` (on a name taken by a
 *                                                   different revision: collisionCount + 1, new hash)
 *
 * The current revision is the one status.currentRevision names (the update revision at first).
 */
import { CONTROLLER_REVISION_HASH_LABEL, revisionHash, revisionsEqual, sortRevisions, templatePatch } from "../../lib/controller-revisions.js";
import type { ControllerRevision, Pod, StatefulSet } from "../../lib/types.js";
import { podRevision, setControllerRef } from "./identity.js";

/** What to do to get the update revision. */
export type UpdateRevisionStep =
  | { type: "existing"; revision: ControllerRevision }
  | { type: "renumber"; revision: ControllerRevision; to: number }
  | { type: "create"; revision: ControllerRevision };

/** The revision the set's template makes, numbered `revision` (newRevision). */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = templatePatch(set.spec.template);
  const hash = revisionHash(data, collisionCount);
  const rev: ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `${set.metadata.name}-${hash}`,
      namespace: set.metadata.namespace,
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [setControllerRef(set)],
    },
    data,
    revision,
  };
  // Kubernetes copies the set's annotations (kubernetes.io/change-cause is what `rollout history` shows).
  if (set.metadata.annotations && Object.keys(set.metadata.annotations).length) rev.metadata.annotations = { ...set.metadata.annotations };
  return rev;
}

/** The next revision number: one more than the highest. */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return revisions.reduce((n, r) => Math.max(n, r.revision ?? 0), 0) + 1;
}

/** How to get the update revision from the set's revisions (those it owns). */
export function planUpdateRevision(set: StatefulSet, revisions: readonly ControllerRevision[]): UpdateRevisionStep {
  const sorted = sortRevisions(revisions);
  const wanted = newRevision(set, nextRevisionNumber(sorted), set.status?.collisionCount ?? 0);
  const equal = sorted.filter((r) => revisionsEqual(r, wanted));
  const newest = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual && lastEqual === newest) return { type: "existing", revision: newest };
  if (lastEqual) return { type: "renumber", revision: lastEqual, to: wanted.revision };
  return { type: "create", revision: wanted };
}

/** The current revision: the one status.currentRevision names, else the update revision. */
export function currentRevisionOf(set: StatefulSet, revisions: readonly ControllerRevision[], update: ControllerRevision): ControllerRevision {
  return revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
}

/**
 * Revisions to delete so that at most revisionHistoryLimit non-live ones remain, oldest first.
 * Live (never deleted): the current and update revisions and any a pod still runs.
 */
export function revisionsToTrim(set: StatefulSet, revisions: readonly ControllerRevision[], pods: readonly Pod[], current: string, update: string): ControllerRevision[] {
  const live = new Set([current, update, ...pods.map(podRevision).filter((r): r is string => r !== undefined)]);
  const history = sortRevisions(revisions).filter((r) => !live.has(r.metadata.name ?? ""));
  const limit = set.spec.revisionHistoryLimit ?? 10;
  return history.length > limit ? history.slice(0, history.length - limit) : [];
}
