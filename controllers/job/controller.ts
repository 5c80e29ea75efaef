/**
 * The Job controller: runs a Job's pods to completion. Pod events go to the owning Job; each
 * reconcile plans from the cache (plan.ts) and applies: create pods (Indexed ones with their
 * index), delete surplus or leftover pods, write status, record events, and delete the Job once
 * its ttlSecondsAfterFinished is over (the GC then removes its pods, as Kubernetes' TTL
 * controller relies on). Expectations keep a reconcile that runs ahead of the watch from
 * creating pods twice.
 */
import { isConflict, isNotFound } from "../../lib/errors.js";
import { objectKey } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import { BY_CONTROLLER } from "../../lib/shared-informers.js";
import type { Job, Pod } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Expectations, ownedPodHandlers } from "../expectations.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { errorMessage } from "../util/apply.js";
import { controllerRef } from "../util/pods.js";
import { slowStart } from "../util/slowstart.js";
import { jobStatusChanged, planJob, podForJob } from "./plan.js";

export const JOB_CONTROLLER = "job-controller";

/** Build the Job controller (handlers registered; call `start()` after informers sync). */
export function newJobController(ctx: ControllerContext): Controller {
  const jobs = ctx.informers.get<Job>("Job");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const expectations = new Expectations(ctx.now);
  const recorder = ctx.recorder(JOB_CONTROLLER);
  const controller = new Controller({ name: JOB_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (key, log) => reconcile(key, log) });

  const ownerKey = (pod: Pod): string | undefined => {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== "Job") return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    return jobs.get(key)?.metadata.uid === ref.uid ? key : undefined;
  };

  jobs.addEventHandler({
    onAdd: (j) => controller.enqueue(objectKey(j)),
    onUpdate: (_o, j) => controller.enqueue(objectKey(j)),
    onDelete: (j) => {
      expectations.delete(objectKey(j));
      controller.enqueue(objectKey(j));
    },
  });
  podInformer.addEventHandler(ownedPodHandlers(expectations, ownerKey, (key) => controller.enqueue(key)));

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const job = jobs.get(key);
    if (!job) {
      expectations.delete(key);
      return;
    }
    if (job.metadata.deletionTimestamp) return;
    const pods = podInformer.byIndex(BY_CONTROLLER, job.metadata.uid ?? "");
    const plan = planJob(job, pods, ctx.now(), expectations.satisfied(key));

    if (plan.deleteJob) {
      try {
        await ctx.client.delete("Job", job.metadata.name ?? "", { namespace: job.metadata.namespace, propagationPolicy: "Foreground", preconditions: { uid: job.metadata.uid } });
        log.debug("deleted finished job (ttlSecondsAfterFinished)");
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }

    let failure: unknown;
    if (plan.delete.length) failure = await deletePods(key, job, plan.delete);
    if (plan.create.length) failure ??= await createPods(key, job, plan.create, log);
    for (const t of plan.transitions) {
      recorder.event(job, t.type === "Failed" ? "Warning" : "Normal", t.reason, t.message);
    }
    if (jobStatusChanged(job, plan.status)) {
      try {
        await ctx.client.updateStatus<Job>({ ...job, status: plan.status });
      } catch (err) {
        // A newer Job is on its way through the watch; its event re-queues this key.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (failure) throw failure;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  async function createPods(key: string, job: Job, items: { index?: number }[], log: Logger): Promise<unknown> {
    expectations.expect(key, items.length);
    const res = await slowStart(items.length, async (i) => {
      const item = items[i]!;
      try {
        const created = await ctx.client.create<Pod>(podForJob(job, item.index), job.metadata.namespace);
        recorder.event(job, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
      } catch (err) {
        expectations.lowerCreations(key, 1);
        recorder.event(job, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    if (res.skipped > 0) expectations.lowerCreations(key, res.skipped);
    log.debug({ created: res.succeeded, wanted: items.length }, "created pods");
    return res.error;
  }

  async function deletePods(key: string, job: Job, pods: Pod[]): Promise<unknown> {
    expectations.expect(key, 0, pods.map(objectKey));
    let first: unknown;
    await Promise.all(pods.map(async (pod) => {
      try {
        await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
        recorder.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
      } catch (err) {
        expectations.lowerDeletion(key, objectKey(pod));
        if (!isNotFound(err)) first ??= err;
      }
    }));
    return first;
  }

  return controller;
}
