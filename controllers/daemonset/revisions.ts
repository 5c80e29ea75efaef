/**
 * A DaemonSet's history in ControllerRevisions, as Kubernetes keeps it (dsc.constructHistory):
 * the update revision is `<ds>-<hash>` whose data restores the template; an older revision with
 * the same data (an undo) is renumbered to the newest; pods carry the hash in
 * `controller-revision-hash`; revisions no pod runs are trimmed to revisionHistoryLimit.
 */
import { CONTROLLER_REVISION_HASH_LABEL, revisionHash, revisionsEqual, sortRevisions, templatePatch } from "../../lib/controller-revisions.js";
import type { ControllerRevision, DaemonSet, Pod } from "../../lib/types.js";

/** The hash the DaemonSet's current template gets (the pods' label value). */
export function daemonSetHash(ds: DaemonSet): string {
  return revisionHash(templatePatch(ds.spec.template), ds.status?.collisionCount ?? 0);
}

/** What to do so that the update revision exists and is the newest. */
export type DaemonSetRevisionStep = { type: "existing" } | { type: "renumber"; revision: ControllerRevision; to: number } | { type: "create"; revision: ControllerRevision };

/** The step for the update revision, given the revisions the DaemonSet owns. */
export function planDaemonSetRevision(ds: DaemonSet, owned: readonly ControllerRevision[]): DaemonSetRevisionStep {
  const sorted = sortRevisions(owned);
  const next = sorted.reduce((n, r) => Math.max(n, r.revision ?? 0), 0) + 1;
  const hash = daemonSetHash(ds);
  const wanted: ControllerRevision = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec.template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name ?? "", uid: ds.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
      ...(ds.metadata.annotations && Object.keys(ds.metadata.annotations).length ? { annotations: { ...ds.metadata.annotations } } : {}),
    },
    data: templatePatch(ds.spec.template),
    revision: next,
  };
  const equal = sorted.filter((r) => revisionsEqual(r, wanted));
  const last = equal[equal.length - 1];
  if (last && last === sorted[sorted.length - 1]) return { type: "existing" };
  if (last) return { type: "renumber", revision: last, to: next };
  return { type: "create", revision: wanted };
}

/** Revisions beyond revisionHistoryLimit that no pod runs and that are not the update one, oldest first. */
export function daemonSetRevisionsToTrim(ds: DaemonSet, owned: readonly ControllerRevision[], pods: readonly Pod[]): ControllerRevision[] {
  const live = new Set([daemonSetHash(ds), ...pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? "")]);
  const history = sortRevisions(owned).filter((r) => !live.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ""));
  const limit = ds.spec.revisionHistoryLimit ?? 10;
  return history.length > limit ? history.slice(0, history.length - limit) : [];
}
