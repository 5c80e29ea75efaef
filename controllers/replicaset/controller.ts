/**
 * The ReplicaSet controller: keeps spec.replicas pods alive for every ReplicaSet.
 *
 * Pod events are routed to the owning ReplicaSet (or, for orphans, to every ReplicaSet whose
 * selector matches); each reconcile plans from the cache and applies: adopt/release, create in
 * slow-start batches, delete the worst-ranked surplus, write status. Expectations make a
 * reconcile that runs before the watch has caught up leave pods alone.
 */
import { isConflict, isNotFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { KObject, Pod, ReplicaSet } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Expectations } from "../expectations.js";
import { BY_CONTROLLER, BY_NAMESPACE, ORPHANS_BY_NAMESPACE } from "../../lib/shared-informers.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { addOwnerRef, errorMessage, removeOwnerRefs } from "../util/apply.js";
import { objectKey } from "../../lib/informer.js";
import { controllerRef } from "../util/pods.js";
import { slowStart } from "../util/slowstart.js";
import { planReplicaSet, podFromTemplate, statusChanged } from "./plan.js";

export const REPLICASET_CONTROLLER = "replicaset-controller";

/**
 * Which kind the controller manages: ReplicaSets, or (as Kubernetes does, through the same code)
 * ReplicationControllers seen as ReplicaSets.
 */
export interface ReplicaSetFlavour {
  kind: string;
  apiVersion: string;
  controllerName: string;
  /** the object as a ReplicaSet (selector as a LabelSelector) */
  asReplicaSet(obj: KObject): ReplicaSet;
}

/** The ReplicaSet flavour: ReplicaSets as they are. */
export const REPLICASETS: ReplicaSetFlavour = { kind: "ReplicaSet", apiVersion: "apps/v1", controllerName: REPLICASET_CONTROLLER, asReplicaSet: (o) => o as ReplicaSet };

/** Build the ReplicaSet controller (handlers registered; call `start()` after informers sync). */
export function newReplicaSetController(ctx: ControllerContext, flavour: ReplicaSetFlavour = REPLICASETS): Controller {
  const informer = ctx.informers.get<KObject>(flavour.kind);
  const rsInformer = { get: (key: string) => { const o = informer.get(key); return o ? flavour.asReplicaSet(o) : undefined; }, byIndex: (i: string, v: string) => informer.byIndex(i, v).map(flavour.asReplicaSet), addEventHandler: informer.addEventHandler.bind(informer) };
  const podInformer = ctx.informers.get<Pod>("Pod");
  const expectations = new Expectations(ctx.now);
  const recorder = ctx.recorder(flavour.controllerName);

  const controller = new Controller({
    name: flavour.controllerName,
    logger: ctx.logger,
    workers: ctx.workers,
    reconcile: (key, log) => reconcile(key, log),
  });

  /** The ReplicaSet key controlling `pod`, if that ReplicaSet is in the cache with the same uid. */
  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== flavour.kind) return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const rs = rsInformer.get(key);
    return rs && rs.metadata.uid === ref.uid ? key : undefined;
  };
  /** Orphans may be adopted by any ReplicaSet whose selector matches them. */
  const enqueueMatching = (pod: Pod): void => {
    for (const rs of rsInformer.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? "")) {
      if (selectorFromLabelSelector(rs.spec.selector).matches(pod.metadata.labels)) controller.enqueue(objectKey(rs));
    }
  };

  rsInformer.addEventHandler({
    onAdd: (rs) => controller.enqueue(objectKey(rs)),
    onUpdate: (_old, rs) => controller.enqueue(objectKey(rs)),
    onDelete: (rs) => {
      expectations.delete(objectKey(rs));
      controller.enqueue(objectKey(rs));
    },
  });
  podInformer.addEventHandler({
    onAdd: (pod) => {
      const key = ownerKey(pod);
      if (key) {
        if (pod.metadata.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
        else expectations.creationObserved(key);
        controller.enqueue(key);
      } else if (!controllerRef(pod)) enqueueMatching(pod);
    },
    onUpdate: (old, pod) => {
      if (old === pod || old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      const key = ownerKey(pod);
      if (key && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
      const oldKey = ownerKey(old);
      if (oldKey && oldKey !== key) controller.enqueue(oldKey);
      if (key) controller.enqueue(key);
      else if (!controllerRef(pod)) enqueueMatching(pod);
    },
    onDelete: (pod) => {
      const key = ownerKey(pod);
      if (!key) return;
      expectations.deletionObserved(key, objectKey(pod));
      controller.enqueue(key);
    },
  });

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const rs = rsInformer.get(key);
    if (!rs) {
      expectations.delete(key);
      return;
    }
    const pods = [...podInformer.byIndex(BY_CONTROLLER, rs.metadata.uid ?? ""), ...podInformer.byIndex(ORPHANS_BY_NAMESPACE, rs.metadata.namespace ?? "")];
    const manage = expectations.satisfied(key) && !rs.metadata.deletionTimestamp;
    const plan = planReplicaSet(rs, pods, ctx.now(), manage);
    const ref = { apiVersion: flavour.apiVersion, kind: flavour.kind, name: rs.metadata.name ?? "", uid: rs.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };

    for (const pod of plan.adopt) await addOwnerRef(ctx.client, pod, ref);
    for (const pod of plan.release) await removeOwnerRefs(ctx.client, pod, [rs.metadata.uid ?? ""]);

    let failure: unknown;
    if (plan.create > 0) failure = await createPods(key, rs, plan.create, log);
    else if (plan.delete.length > 0) failure = await deletePods(key, rs, plan.delete, log);

    if (statusChanged(rs, plan.status)) await writeStatus(rs, plan.status);
    if (failure) throw failure;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  async function createPods(key: string, rs: ReplicaSet, n: number, log: Logger): Promise<unknown> {
    expectations.expect(key, n);
    const template = podFromTemplate(rs);
    for (const r of template.metadata.ownerReferences ?? []) Object.assign(r, { apiVersion: flavour.apiVersion, kind: flavour.kind });
    const res = await slowStart(n, async () => {
      try {
        const created = await ctx.client.create<Pod>(structuredClone(template), rs.metadata.namespace);
        recorder.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
      } catch (err) {
        expectations.lowerCreations(key, 1);
        recorder.event(rs, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    // Batches never attempted will never be observed either.
    if (res.skipped > 0) expectations.lowerCreations(key, res.skipped);
    log.debug({ created: res.succeeded, wanted: n }, "created pods");
    return res.error;
  }

  async function deletePods(key: string, rs: ReplicaSet, pods: Pod[], log: Logger): Promise<unknown> {
    expectations.expect(key, 0, pods.map(objectKey));
    let first: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
          recorder.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          expectations.lowerDeletion(key, objectKey(pod));
          if (isNotFound(err)) return;
          recorder.event(rs, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
          first ??= err;
        }
      }),
    );
    log.debug({ deleted: pods.length }, "deleted pods");
    return first;
  }

  async function writeStatus(rs: ReplicaSet, status: NonNullable<ReplicaSet["status"]>): Promise<void> {
    try {
      // The stored object (a ReplicationController keeps its own selector form) with the new status.
      const stored = informer.get(`${rs.metadata.namespace}/${rs.metadata.name}`) ?? rs;
      await ctx.client.updateStatus<KObject>({ ...stored, status });
    } catch (err) {
      // A Conflict means a newer ReplicaSet exists; its watch event re-queues this key, and that
      // reconcile computes status from it. Nothing to retry (and nothing worth a warning).
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  return controller;
}
