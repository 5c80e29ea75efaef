/**
 * `kctl create job NAME --image=IMG [-- CMD...]`, `kctl create job NAME --from=cronjob/X` and
 * `kctl create cronjob NAME --image=IMG --schedule=... [--restart=...] [-- CMD...]`: the objects
 * kubectl generates. One container named after the object; a Job restarts Never, a CronJob's
 * pods OnFailure unless `--restart` says otherwise. `--from` copies the CronJob's jobTemplate,
 * marks the Job `cronjob.kubernetes.io/instantiate: manual` and makes the CronJob its owner.
 */
import { ANNOTATION_CRONJOB_INSTANTIATE } from "../../lib/batch/job-labels.js";
import type { Container, CronJob, Job } from "../../lib/types.js";
import { UserError } from "../errors-output.js";

export interface JobOptions {
  name: string;
  image?: string;
  command: readonly string[];
  namespace?: string;
}

function container(name: string, image: string, command: readonly string[]): Container {
  return { ...(command.length ? { command: [...command] } : {}), image, name, resources: {} };
}

/** The Job of `kctl create job NAME --image=IMG`. */
export function generateJob(o: JobOptions): Job {
  if (!o.image) throw new UserError("either --image or --from must be specified");
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
    spec: { template: { metadata: {}, spec: { containers: [container(o.name, o.image, o.command)], restartPolicy: "Never" } } },
    status: {},
  };
}

/** The Job of `kctl create job NAME --from=cronjob/X`, from the CronJob as stored. */
export function jobFromCronJob(name: string, cj: CronJob, namespace?: string): Job {
  const meta = cj.spec.jobTemplate.metadata ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      annotations: { [ANNOTATION_CRONJOB_INSTANTIATE]: "manual", ...(meta.annotations ?? {}) },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name ?? "", uid: cj.metadata.uid ?? "", controller: true }],
    },
    spec: structuredClone(cj.spec.jobTemplate.spec),
    status: {},
  };
}

/** `--from=cronjob/NAME` (also `cronjobs/`, `cj/`, `cronjob.batch/`): the CronJob's name. */
export function parseFromFlag(v: string): string {
  const m = /^(cronjob|cronjobs|cj|cronjob\.batch|cronjobs\.batch)\/(.+)$/i.exec(v);
  if (!m) throw new UserError(`from must be an existing cronjob: ${v}`);
  return m[2]!;
}

export interface CronJobOptions extends JobOptions {
  schedule?: string;
  restart?: string;
}

/** The CronJob of `kctl create cronjob NAME --image=IMG --schedule=...`. */
export function generateCronJob(o: CronJobOptions): CronJob {
  if (!o.image) throw new UserError("required flag(s) \"image\" not set");
  if (!o.schedule) throw new UserError("required flag(s) \"schedule\" not set");
  const restart = o.restart ?? "OnFailure";
  if (restart !== "OnFailure" && restart !== "Never") throw new UserError(`invalid restart policy: ${restart}`);
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) },
    spec: {
      schedule: o.schedule,
      jobTemplate: {
        metadata: { name: o.name },
        spec: { template: { metadata: {}, spec: { containers: [container(o.name, o.image, o.command)], restartPolicy: restart } } },
      },
    },
    status: {},
  };
}
