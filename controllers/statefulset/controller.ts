/**
 * The StatefulSet controller: stable, ordered pods with their own claims, rolled out by revision.
 *
 * A reconcile adopts/releases pods and ControllerRevisions (claim.ts), makes sure the update
 * revision exists (revisions.ts), plans from the cache (plan.ts) and applies the plan in a safe
 * order: claim owners, claims before their pods, pods, labels, deletions; then status, then
 * history trimming. Pod names are fixed, so no expectations are needed: a create planned from a
 * stale cache fails with AlreadyExists and a repeated delete carries the pod's uid.
 */
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/errors.js";
import { revisionsEqual } from "../../lib/controller-revisions.js";
import { objectKey } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import { selectorFromLabelSelector } from "../../lib/selector.js";
import { BY_CONTROLLER, BY_NAMESPACE, ORPHANS_BY_NAMESPACE } from "../../lib/shared-informers.js";
import type { ControllerRevision, KObject, PersistentVolumeClaim, Pod, StatefulSet, StatefulSetStatus } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { addOwnerRef, errorMessage, removeOwnerRefs } from "../util/apply.js";
import { claim } from "../util/claim.js";
import { controllerRef } from "../util/pods.js";
import { slowStart } from "../util/slowstart.js";
import { isMemberOf, setControllerRef } from "./identity.js";
import { planStatefulSet, statusChanged, type StatefulSetPlan } from "./plan.js";
import { currentRevisionOf, newRevision, planUpdateRevision, revisionsToTrim } from "./revisions.js";

export const STATEFULSET_CONTROLLER = "statefulset-controller";

/** Build the StatefulSet controller (handlers registered; call `start()` after informers sync). */
export function newStatefulSetController(ctx: ControllerContext): Controller {
  const setInformer = ctx.informers.get<StatefulSet>("StatefulSet");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const revInformer = ctx.informers.get<ControllerRevision>("ControllerRevision");
  const claimInformer = ctx.informers.get<PersistentVolumeClaim>("PersistentVolumeClaim");
  const recorder = ctx.recorder(STATEFULSET_CONTROLLER);
  const controller = new Controller({ name: STATEFULSET_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (k, l) => reconcile(k, l) });

  /** The set controlling `obj`, if it is in the cache with that uid. */
  const ownerKey = (obj: KObject): string | undefined => {
    const ref = controllerRef(obj);
    if (ref?.kind !== "StatefulSet") return undefined;
    const key = `${obj.metadata.namespace}/${ref.name}`;
    return setInformer.get(key)?.metadata.uid === ref.uid ? key : undefined;
  };
  /** Sets in the object's namespace whose selector matches it (orphan pods and revisions; claims). */
  const enqueueMatching = (obj: KObject, member: (set: StatefulSet) => boolean = () => true): void => {
    for (const set of setInformer.byIndex(BY_NAMESPACE, obj.metadata.namespace ?? "")) {
      if (member(set) && selectorFromLabelSelector(set.spec.selector).matches(obj.metadata.labels)) controller.enqueue(objectKey(set));
    }
  };
  const onOwned = (obj: KObject, member?: (set: StatefulSet) => boolean): void => {
    const key = ownerKey(obj);
    if (key) controller.enqueue(key);
    else if (!controllerRef(obj)) enqueueMatching(obj, member);
  };

  setInformer.addEventHandler({
    onAdd: (s) => controller.enqueue(objectKey(s)),
    onUpdate: (_o, s) => controller.enqueue(objectKey(s)),
    onDelete: (s) => controller.enqueue(objectKey(s)),
  });
  podInformer.addEventHandler({
    onAdd: (p) => onOwned(p, (s) => isMemberOf(s, p)),
    onUpdate: (old, p) => {
      if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
      const oldKey = ownerKey(old);
      if (oldKey && oldKey !== ownerKey(p)) controller.enqueue(oldKey);
      onOwned(p, (s) => isMemberOf(s, p));
    },
    onDelete: (p) => onOwned(p, (s) => isMemberOf(s, p)),
  });
  revInformer.addEventHandler({ onAdd: (r) => onOwned(r), onUpdate: (_o, r) => onOwned(r), onDelete: (r) => onOwned(r) });
  // A claim going away (or appearing) can unblock a pod waiting for it.
  claimInformer.addEventHandler({ onAdd: (c) => enqueueMatching(c), onUpdate: (_o, c) => enqueueMatching(c), onDelete: (c) => enqueueMatching(c) });

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const set = setInformer.get(key);
    if (!set) return;
    const ns = set.metadata.namespace ?? "";
    const uid = set.metadata.uid ?? "";
    const selector = selectorFromLabelSelector(set.spec.selector);
    if (selector.empty) {
      recorder.event(set, "Warning", "SelectingAll", "This statefulset is selecting all pods. A non-empty selector is required.");
      return;
    }
    const ref = setControllerRef(set);

    const revClaim = claim(set, selector, [...revInformer.byIndex(BY_CONTROLLER, uid), ...revInformer.byIndex(ORPHANS_BY_NAMESPACE, ns)]);
    for (const r of revClaim.adopt) await addOwnerRef(ctx.client, r, ref);
    for (const r of revClaim.release) await removeOwnerRefs(ctx.client, r, [uid]);
    const podCandidates = [...podInformer.byIndex(BY_CONTROLLER, uid), ...podInformer.byIndex(ORPHANS_BY_NAMESPACE, ns)].filter((p) => isMemberOf(set, p));
    const podClaim = claim(set, selector, podCandidates);
    for (const p of podClaim.adopt) await addOwnerRef(ctx.client, p, ref);
    for (const p of podClaim.release) await removeOwnerRefs(ctx.client, p, [uid]);

    let revisions = revClaim.claimed;
    const { update, collisionCount } = await ensureUpdateRevision(set, revisions, log);
    revisions = [...revisions.filter((r) => r.metadata.name !== update.metadata.name), update];
    const current = currentRevisionOf(set, revisions, update);

    const claims = new Map(claimInformer.byIndex(BY_NAMESPACE, ns).map((c) => [c.metadata.name ?? "", c] as const));
    const plan = planStatefulSet({ set, pods: podClaim.claimed, claims, currentRevision: current, updateRevision: update, collisionCount, now: ctx.now() });
    const failure = await apply(set, plan, log);

    if (statusChanged(set, plan.status)) await writeStatus(set, plan.status);
    if (failure) throw failure;

    for (const r of revisionsToTrim(set, revisions, podClaim.claimed, plan.status.currentRevision ?? "", plan.status.updateRevision ?? "")) {
      try {
        await ctx.client.delete("ControllerRevision", r.metadata.name ?? "", { namespace: ns, preconditions: { uid: r.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /**
   * Find, renumber (a rollback to an older template) or create the update revision. A name taken
   * by a different revision is a hash collision: count it and hash again, as Kubernetes does.
   */
  async function ensureUpdateRevision(set: StatefulSet, revisions: ControllerRevision[], log: Logger): Promise<{ update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const step = planUpdateRevision(set, revisions);
    if (step.type === "existing") return { update: step.revision, collisionCount };
    if (step.type === "renumber") {
      const r = step.revision;
      const update = await ctx.client.patch<ControllerRevision>("ControllerRevision", r.metadata.name ?? "", { revision: step.to, metadata: { resourceVersion: r.metadata.resourceVersion } }, { namespace: r.metadata.namespace });
      return { update, collisionCount };
    }
    let wanted = step.revision;
    for (;;) {
      try {
        return { update: await ctx.client.create<ControllerRevision>(wanted, set.metadata.namespace), collisionCount };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = await ctx.client.get<ControllerRevision>("ControllerRevision", wanted.metadata.name ?? "", set.metadata.namespace);
      if (controllerRef(existing)?.uid === set.metadata.uid && revisionsEqual(existing, wanted)) return { update: existing, collisionCount };
      collisionCount++;
      log.info({ revision: wanted.metadata.name, collisionCount }, "controller revision name collision");
      wanted = newRevision(set, wanted.revision, collisionCount);
    }
  }

  /** Apply the plan in order; returns the first failure (status is still written). */
  async function apply(set: StatefulSet, plan: StatefulSetPlan, log: Logger): Promise<unknown> {
    const ns = set.metadata.namespace;
    const setName = set.metadata.name ?? "";
    for (const { claim: c, ownerReferences } of plan.claimOwners) {
      await ctx.client.patch(
        "PersistentVolumeClaim",
        c.metadata.name ?? "",
        { metadata: { ownerReferences: ownerReferences.length ? ownerReferences : null, resourceVersion: c.metadata.resourceVersion } },
        { namespace: ns },
      );
    }
    for (const e of plan.events) recorder.event(set, e.type, e.reason, e.message);

    // Claims first: a pod is created only once every claim it mounts exists.
    const claimsFailed = new Set<string>();
    let first: unknown;
    for (const { claim: c, pod } of plan.createClaims) {
      try {
        await ctx.client.create<PersistentVolumeClaim>(c, ns);
        recorder.event(set, "Normal", "SuccessfulCreate", `create Claim ${c.metadata.name} Pod ${pod} in StatefulSet ${setName} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        claimsFailed.add(pod);
        recorder.event(set, "Warning", "FailedCreate", `create Claim ${c.metadata.name} for Pod ${pod} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        first ??= err;
      }
    }
    const toCreate = plan.createPods.filter((p) => !claimsFailed.has(p.metadata.name ?? ""));
    const created = await slowStart(toCreate.length, async (i) => {
      const pod = toCreate[i];
      try {
        await ctx.client.create<Pod>(pod, ns);
        recorder.event(set, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
      } catch (err) {
        if (isAlreadyExists(err)) return;
        recorder.event(set, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        throw err;
      }
    });
    first ??= created.error;

    for (const { pod, labels } of plan.relabelPods) {
      try {
        await ctx.client.patch("Pod", pod.metadata.name ?? "", { metadata: { labels, resourceVersion: pod.metadata.resourceVersion } }, { namespace: ns });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) first ??= err;
      }
    }
    for (const { pod, why } of plan.deletePods) {
      try {
        await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: ns, preconditions: { uid: pod.metadata.uid } });
        recorder.event(set, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${setName} successful`);
        log.debug({ pod: pod.metadata.name, why }, "deleted pod");
      } catch (err) {
        if (isNotFound(err)) continue;
        recorder.event(set, "Warning", "FailedDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${setName} failed error: ${errorMessage(err)}`);
        first ??= err;
      }
    }
    return first;
  }

  async function writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    try {
      await ctx.client.updateStatus<StatefulSet>({ ...set, status });
    } catch (err) {
      // A newer StatefulSet is on its way through the watch and re-queues this key.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  return controller;
}
