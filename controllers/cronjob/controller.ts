/**
 * The CronJob controller: starts a CronJob's Jobs on schedule. Job events go to the owning
 * CronJob; each reconcile plans (plan.ts) with the injected clock and applies: delete replaced or
 * surplus finished Jobs (background propagation: the GC removes their pods), create the due Job,
 * write status, and come back at the next schedule time. A periodic resync of every CronJob is
 * the safety net for clock jumps (and lets tests move an injected clock).
 */
import { isAlreadyExists, isConflict, isNotFound } from "../../lib/errors.js";
import { objectKey } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import { BY_CONTROLLER } from "../../lib/shared-informers.js";
import type { CronJob, Job } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { errorMessage } from "../util/apply.js";
import { controllerRef } from "../util/pods.js";
import { cronJobStatusChanged, planCronJob } from "./plan.js";

export const CRONJOB_CONTROLLER = "cronjob-controller";

/** Default period of the resync of every CronJob. */
export const CRONJOB_RESYNC_MS = 10_000;

/** Build the CronJob controller; `resyncMs` re-queues every CronJob that often (default 10 s). */
export function newCronJobController(ctx: ControllerContext, resyncMs = CRONJOB_RESYNC_MS): { controller: Controller; startResync(): () => void } {
  const cronJobs = ctx.informers.get<CronJob>("CronJob");
  const jobs = ctx.informers.get<Job>("Job");
  const recorder = ctx.recorder(CRONJOB_CONTROLLER);
  const controller = new Controller({ name: CRONJOB_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (key, log) => reconcile(key, log) });

  const ownerKey = (job: Job): string | undefined => {
    const ref = controllerRef(job);
    if (!ref || ref.kind !== "CronJob") return undefined;
    return `${job.metadata.namespace}/${ref.name}`;
  };
  cronJobs.addEventHandler({
    onAdd: (cj) => controller.enqueue(objectKey(cj)),
    onUpdate: (_o, cj) => controller.enqueue(objectKey(cj)),
    onDelete: () => undefined,
  });
  jobs.addEventHandler({
    onAdd: (j) => { const k = ownerKey(j); if (k) controller.enqueue(k); },
    onUpdate: (_o, j) => { const k = ownerKey(j); if (k) controller.enqueue(k); },
    onDelete: (j) => { const k = ownerKey(j); if (k) controller.enqueue(k); },
  });

  async function reconcile(key: string, log: Logger): Promise<ReconcileResult | void> {
    const cj = cronJobs.get(key);
    if (!cj) return;
    const owned = jobs.byIndex(BY_CONTROLLER, cj.metadata.uid ?? "");
    const plan = planCronJob(cj, owned, ctx.now());
    for (const e of plan.events) recorder.event(cj, e.type, e.reason, e.message);

    for (const { job, why } of plan.delete) {
      try {
        await ctx.client.delete("Job", job.metadata.name ?? "", { namespace: job.metadata.namespace, propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
        recorder.event(cj, "Normal", "SuccessfulDelete", why === "replace" ? `Deleted job ${job.metadata.name} (concurrencyPolicy Replace)` : `Deleted job ${job.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (plan.create) {
      try {
        const created = await ctx.client.create<Job>(plan.create.job, cj.metadata.namespace);
        recorder.event(cj, "Normal", "SuccessfulCreate", `Created job ${created.metadata.name}`);
        const ref = plan.status.active?.find((r) => r.name === created.metadata.name);
        if (ref) {
          ref.uid = created.metadata.uid;
          ref.resourceVersion = created.metadata.resourceVersion;
        }
        log.debug({ job: created.metadata.name }, "started job");
      } catch (err) {
        if (!isAlreadyExists(err)) {
          recorder.event(cj, "Warning", "FailedCreate", `Error creating job: ${errorMessage(err)}`);
          throw err;
        }
      }
    }
    if (cronJobStatusChanged(cj, plan.status)) {
      try {
        await ctx.client.updateStatus<CronJob>({ ...cj, status: plan.status });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
        // Conflict: a newer CronJob re-queues this key; the Job name makes a second create harmless.
      }
    }
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, plan.requeueAfterMs) } : undefined;
  }

  const startResync = (): (() => void) => {
    const t = setInterval(() => {
      for (const cj of cronJobs.list()) controller.enqueue(objectKey(cj));
    }, resyncMs);
    t.unref();
    return () => clearInterval(t);
  };
  return { controller, startResync };
}
