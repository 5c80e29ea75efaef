/**
 * The DaemonSet controller: one pod on every eligible node. Node events re-examine every
 * DaemonSet (a node joining gets its pod, a node leaving loses it); pod events go to the owning
 * DaemonSet. Each reconcile plans (plan.ts) and applies: create the missing pods bound to their
 * node, delete misscheduled, failed, surplus and (RollingUpdate) old pods, write status.
 */
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/errors.js";
import { objectKey } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import { BY_CONTROLLER } from "../../lib/shared-informers.js";
import type { ControllerRevision, DaemonSet, Node, Pod } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Expectations, ownedPodHandlers } from "../expectations.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { errorMessage } from "../util/apply.js";
import { controllerRef } from "../util/pods.js";
import { slowStart } from "../util/slowstart.js";
import { DAEMON_TOLERATIONS } from "./eligibility.js";
import { planDaemonSet, podForNode } from "./plan.js";
import { daemonSetRevisionsToTrim, planDaemonSetRevision } from "./revisions.js";

export const DAEMONSET_CONTROLLER = "daemonset-controller";

/** Build the DaemonSet controller (handlers registered; call `start()` after informers sync). */
export function newDaemonSetController(ctx: ControllerContext): Controller {
  const sets = ctx.informers.get<DaemonSet>("DaemonSet");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const nodes = ctx.informers.get<Node>("Node");
  const revisions = ctx.informers.get<ControllerRevision>("ControllerRevision");
  const expectations = new Expectations(ctx.now);
  const recorder = ctx.recorder(DAEMONSET_CONTROLLER);
  const controller = new Controller({ name: DAEMONSET_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (key, log) => reconcile(key, log) });

  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "DaemonSet") return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    return sets.get(key)?.metadata.uid === ref.uid ? key : undefined;
  };
  const all = () => {
    for (const ds of sets.list()) controller.enqueue(objectKey(ds));
  };
  sets.addEventHandler({
    onAdd: (ds) => controller.enqueue(objectKey(ds)),
    onUpdate: (_o, ds) => controller.enqueue(objectKey(ds)),
    onDelete: (ds) => expectations.delete(objectKey(ds)),
  });
  nodes.addEventHandler({
    onAdd: all,
    onUpdate: (o, n) => {
      // Heart-beats change only status: re-examine only on labels, taints or deletion.
      if (JSON.stringify([o.metadata.labels, o.spec?.taints, o.metadata.deletionTimestamp]) !== JSON.stringify([n.metadata.labels, n.spec?.taints, n.metadata.deletionTimestamp])) all();
    },
    onDelete: all,
  });
  podInformer.addEventHandler(ownedPodHandlers(expectations, ownerKey, (key) => controller.enqueue(key)));

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const ds = sets.get(key);
    if (!ds) {
      expectations.delete(key);
      return;
    }
    const pods = podInformer.byIndex(BY_CONTROLLER, ds.metadata.uid ?? "");
    if (!ds.metadata.deletionTimestamp) await syncRevisions(ds, pods);
    const plan = planDaemonSet(ds, nodes.list(), pods, ctx.now());
    let failure: unknown;
    if (expectations.satisfied(key) && !ds.metadata.deletionTimestamp) {
      expectations.expect(key, plan.create.length, plan.delete.map(objectKey));
      await Promise.all(plan.delete.map(async (pod) => {
        try {
          await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
          recorder.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          expectations.lowerDeletion(key, objectKey(pod));
          if (!isNotFound(err)) failure ??= err;
        }
      }));
      const res = await slowStart(plan.create.length, async (i) => {
        try {
          const created = await ctx.client.create<Pod>(podForNode(ds, plan.create[i]!, plan.hash, DAEMON_TOLERATIONS), ds.metadata.namespace);
          recorder.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
        } catch (err) {
          expectations.lowerCreations(key, 1);
          recorder.event(ds, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      });
      if (res.skipped > 0) expectations.lowerCreations(key, res.skipped);
      failure ??= res.error;
      log.debug({ created: res.succeeded, deleted: plan.delete.length }, "synced daemon pods");
    }
    if (JSON.stringify(ds.status ?? {}) !== JSON.stringify(plan.status)) {
      try {
        await ctx.client.updateStatus<DaemonSet>({ ...ds, status: plan.status });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (failure) throw failure;
    // minReadySeconds: look again when a ready pod turns available.
    return ds.spec.minReadySeconds ? { requeueAfterMs: ds.spec.minReadySeconds * 1000 } : undefined;
  }

  /** Keep the update revision the newest ControllerRevision, and the history trimmed. */
  async function syncRevisions(ds: DaemonSet, pods: readonly Pod[]): Promise<void> {
    const owned = revisions.byIndex(BY_CONTROLLER, ds.metadata.uid ?? "");
    const step = planDaemonSetRevision(ds, owned);
    try {
      if (step.type === "create") await ctx.client.create(step.revision, ds.metadata.namespace);
      else if (step.type === "renumber") await ctx.client.patch("ControllerRevision", step.revision.metadata.name ?? "", { revision: step.to }, { namespace: ds.metadata.namespace });
    } catch (err) {
      if (!isAlreadyExists(err) && !isNotFound(err)) throw err;
    }
    for (const r of daemonSetRevisionsToTrim(ds, owned, pods)) {
      await ctx.client.delete("ControllerRevision", r.metadata.name ?? "", { namespace: r.metadata.namespace }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
  }

  return controller;
}
