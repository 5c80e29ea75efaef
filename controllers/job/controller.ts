/**
 * The Job controller: runs a Job's pods to completion. Pod events go to the owning Job; each
 * reconcile plans from the cache (plan.ts) and applies: create pods (Indexed ones with their
 * index), delete surplus or leftover pods, write status, record events, and delete the Job once
 * its ttlSecondsAfterFinished is over (the GC then removes its pods, as Kubernetes' TTL
 * controller relies on). Expectations keep a reconcile that runs ahead of the watch from
 * creating pods twice.
 *
 * Pods carry the tracking finalizer (tracking.ts): the controller removes it once a finished pod
 * is recorded in the status, before deleting a pod itself, from every pod of a Job being deleted,
 * and from pods whose Job is gone (queued as `pod:<ns>/<name>` so that they are judged only once
 * the Job cache is complete).
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
import { hasTrackingFinalizer } from "./tracking.js";
import { FINALIZER_JOB_TRACKING, JOB_CONTROLLER_NAME } from "../../lib/batch/job-labels.js";

export const JOB_CONTROLLER = "job-controller";
/** Queue keys of pods whose Job is gone, as opposed to `namespace/name` keys of Jobs. */
const ORPHAN_PREFIX = "pod:";
const RELEASE_PATCH = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [FINALIZER_JOB_TRACKING] } };

/** Build the Job controller (handlers registered; call `start()` after informers sync). */
export function newJobController(ctx: ControllerContext): Controller {
  const jobs = ctx.informers.get<Job>("Job");
  const podInformer = ctx.informers.get<Pod>("Pod");
  const expectations = new Expectations(ctx.now);
  /** job key → when its newest failure was recorded (Kubernetes' in-memory backoff record) */
  const lastFailure = new Map<string, number>();
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
      lastFailure.delete(objectKey(j));
      controller.enqueue(objectKey(j));
    },
  });
  podInformer.addEventHandler(ownedPodHandlers(expectations, ownerKey, (key) => controller.enqueue(key)));
  // A pod still holding the finalizer whose Job is gone (or that an orphaning delete left without
  // an owner): release it, as Kubernetes' enqueueOrphanPod does (judged in reconcile).
  const orphanCheck = (pod: Pod): void => {
    if (hasTrackingFinalizer(pod) && !ownerKey(pod)) controller.enqueue(`${ORPHAN_PREFIX}${objectKey(pod)}`);
  };
  podInformer.addEventHandler({ onAdd: orphanCheck, onUpdate: (_o, p) => orphanCheck(p) });

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    if (key.startsWith(ORPHAN_PREFIX)) {
      const pod = podInformer.get(key.slice(ORPHAN_PREFIX.length));
      if (pod && hasTrackingFinalizer(pod) && !ownerKey(pod)) await release([pod]);
      return;
    }
    const job = jobs.get(key);
    if (!job) {
      expectations.delete(key);
      return;
    }
    // Another controller (spec.managedBy) runs this Job: kctl's leaves it, its pods and its status alone.
    if (job.spec.managedBy !== undefined && job.spec.managedBy !== JOB_CONTROLLER_NAME) return;
    const pods = podInformer.byIndex(BY_CONTROLLER, job.metadata.uid ?? "");
    if (job.metadata.deletionTimestamp) {
      // Being deleted (a foreground delete waits for its pods): nothing more is counted.
      await release(pods.filter(hasTrackingFinalizer));
      return;
    }
    const plan = planJob(job, pods, ctx.now(), expectations.satisfied(key), lastFailure.get(key));
    if (plan.lastFailureMs !== undefined) lastFailure.set(key, plan.lastFailureMs);

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
    let stored = true;
    if (jobStatusChanged(job, plan.status)) {
      try {
        await ctx.client.updateStatus<Job>({ ...job, status: plan.status });
      } catch (err) {
        // A newer Job is on its way through the watch; its event re-queues this key.
        if (!isNotFound(err) && !isConflict(err)) throw err;
        stored = false;
      }
    }
    // Only a status that records them lets finished pods go (tracking.ts).
    if (stored && plan.release.length) failure ??= await release(plan.release);
    if (failure) throw failure;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  async function createPods(key: string, job: Job, items: { index?: number; failureCount?: number }[], log: Logger): Promise<unknown> {
    expectations.expect(key, items.length);
    const res = await slowStart(items.length, async (i) => {
      const item = items[i]!;
      try {
        const created = await ctx.client.create<Pod>(podForJob(job, item.index, item.failureCount), job.metadata.namespace);
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

  /** Remove one pod's tracking finalizer: one strategic merge patch, as Kubernetes does. */
  const releaseOne = (pod: Pod) => ctx.client.patch("Pod", pod.metadata.name ?? "", RELEASE_PATCH, { namespace: pod.metadata.namespace, type: "strategic" });

  /** Remove the tracking finalizer of each pod; the first error, if any. */
  async function release(pods: Pod[]): Promise<unknown> {
    let first: unknown;
    await Promise.all(pods.map(async (pod) => {
      try {
        await releaseOne(pod);
      } catch (err) {
        if (!isNotFound(err)) first ??= err;
      }
    }));
    return first;
  }

  async function deletePods(key: string, job: Job, pods: Pod[]): Promise<unknown> {
    expectations.expect(key, 0, pods.map(objectKey));
    let first: unknown;
    await Promise.all(pods.map(async (pod) => {
      try {
        // Kubernetes' deleteJobPods: a pod the controller deletes is not a failure to count.
        if (hasTrackingFinalizer(pod)) await releaseOne(pod);
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
