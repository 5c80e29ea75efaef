/**
 * The Deployment controller: one ReplicaSet per pod template, rolled out under the strategy.
 * Each reconcile plans one step from the cache (planDeployment) and applies it. Every ReplicaSet
 * write carries the cached resourceVersion, so a step planned from a stale cache fails with a
 * Conflict and is re-planned instead of being applied twice.
 */
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { Deployment, KObject, Pod, ReplicaSet } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { BY_CONTROLLER, BY_NAMESPACE, ORPHANS_BY_NAMESPACE } from "../../lib/shared-informers.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { addOwnerRef, removeOwnerRefs } from "../util/apply.js";
import { objectKey } from "../../lib/informer.js";
import { controllerRef } from "../util/pods.js";
import { templatesEqualIgnoringHash } from "../../lib/pod-template-hash.js";
import { deploymentStatusChanged, planDeployment } from "./plan.js";

export const DEPLOYMENT_CONTROLLER = "deployment-controller";

/** Build the Deployment controller (handlers registered; call `start()` after informers sync). */
export function newDeploymentController(ctx: ControllerContext): Controller {
  const dInformer = ctx.informers.get<Deployment>("Deployment");
  const rsInformer = ctx.informers.get<ReplicaSet>("ReplicaSet");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const recorder = ctx.recorder(DEPLOYMENT_CONTROLLER);

  const controller = new Controller({ name: DEPLOYMENT_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (k, l) => reconcile(k, l) });

  const ownerKey = (obj: KObject): string | undefined => {
    const ref = controllerRef(obj);
    return ref?.kind === "Deployment" ? `${obj.metadata.namespace}/${ref.name}` : undefined;
  };
  const onRS = (rs: ReplicaSet): void => {
    const key = ownerKey(rs);
    if (key) return controller.enqueue(key);
    if (controllerRef(rs)) return;
    // An orphan: any Deployment whose selector matches may adopt it.
    for (const d of dInformer.byIndex(BY_NAMESPACE, rs.metadata.namespace ?? "")) {
      if (selectorFromLabelSelector(d.spec.selector).matches(rs.metadata.labels)) controller.enqueue(objectKey(d));
    }
  };

  dInformer.addEventHandler({
    onAdd: (d) => controller.enqueue(objectKey(d)),
    onUpdate: (_o, d) => controller.enqueue(objectKey(d)),
    onDelete: (d) => controller.enqueue(objectKey(d)),
  });
  rsInformer.addEventHandler({
    onAdd: onRS,
    onUpdate: (old, rs) => {
      const oldKey = ownerKey(old);
      if (oldKey && oldKey !== ownerKey(rs)) controller.enqueue(oldKey);
      onRS(rs);
    },
    onDelete: onRS,
  });
  // Recreate waits for old pods to be gone: their deletion must wake the Deployment up.
  podInformer.onDelete((pod) => {
    const ref = controllerRef(pod);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = rsInformer.get(`${pod.metadata.namespace}/${ref.name}`);
    const key = rs && ownerKey(rs);
    if (key && dInformer.get(key)?.spec.strategy?.type === "Recreate") controller.enqueue(key);
  });

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const cached = dInformer.get(key);
    if (!cached) return;
    const ns = cached.metadata.namespace ?? "";
    const rss = [...rsInformer.byIndex(BY_CONTROLLER, cached.metadata.uid ?? ""), ...rsInformer.byIndex(ORPHANS_BY_NAMESPACE, ns)];
    const pods = cached.spec.strategy?.type === "Recreate" ? rss.flatMap((rs) => podInformer.byIndex(BY_CONTROLLER, rs.metadata.uid ?? "")) : [];
    if (!cached.spec.selector || selectorFromLabelSelector(cached.spec.selector).empty) {
      recorder.event(cached, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      return;
    }
    const plan = planDeployment({ deployment: cached, replicaSets: rss, pods, now: ctx.now() });
    let d: Deployment = cached;

    const ref = { apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name ?? "", uid: d.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
    for (const rs of plan.adopt) await addOwnerRef(ctx.client, rsInformer.get(objectKey(rs)) ?? rs, ref);
    for (const rs of plan.release) await removeOwnerRefs(ctx.client, rs, [d.metadata.uid ?? ""]);

    if (plan.create) {
      const created = await createReplicaSet(d, plan.create, log);
      if (!created) return { requeueAfterMs: 0 };
    }
    for (const rs of plan.update) {
      await ctx.client.update<ReplicaSet>(rs);
    }
    for (const rs of plan.delete) {
      try {
        await ctx.client.delete("ReplicaSet", rs.metadata.name ?? "", { namespace: ns, preconditions: { uid: rs.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const e of plan.events) recorder.event(d, e.type, e.reason, e.message);
    if (plan.deploymentAnnotations) {
      d = await ctx.client.patch<Deployment>("Deployment", d.metadata.name ?? "", { metadata: { annotations: plan.deploymentAnnotations } }, { namespace: ns });
    }
    if (deploymentStatusChanged(cached, plan.status)) {
      try {
        await ctx.client.updateStatus<Deployment>({ ...d, status: plan.status });
      } catch (err) {
        // Conflict: a newer Deployment is on its way through the watch and will re-queue us.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /**
   * Create the new ReplicaSet. If the name is taken by a ReplicaSet with the same template that we
   * own, the cache was just behind; otherwise it is a hash collision: bump status.collisionCount
   * so the next hash differs (Kubernetes does the same). Returns false on a collision.
   */
  async function createReplicaSet(d: Deployment, rs: ReplicaSet, log: Logger): Promise<boolean> {
    try {
      await ctx.client.create<ReplicaSet>(rs, d.metadata.namespace);
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await ctx.client.get<ReplicaSet>("ReplicaSet", rs.metadata.name ?? "", d.metadata.namespace);
      const ours = controllerRef(existing)?.uid === d.metadata.uid;
      if (ours && templatesEqualIgnoringHash(existing.spec.template, d.spec.template)) return true;
      log.info({ replicaSet: rs.metadata.name }, "replica set name collision; bumping collisionCount");
      const status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
      await ctx.client.updateStatus<Deployment>({ ...d, status });
      return false;
    }
  }

  return controller;
}
