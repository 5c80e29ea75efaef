/**
 * CronJobs (batch/v1). Defaults as Kubernetes: concurrencyPolicy Allow, suspend false, 3
 * successful and 1 failed Job kept; the jobTemplate's pod template gets pod defaults. The schedule
 * (five fields or a macro) and the time zone are checked with the parser the controller uses;
 * the name is at most 52 characters (the Job names add 11).
 */
import { isValidTimeZone, scheduleError } from "../../lib/batch/cron.js";
import { cronJobPrinter } from "../../lib/printers/batch.js";
import type { CronJobSpec, KObject, PodSpec } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { validateJobSpec } from "./job.js";
import { defaultPodSpec } from "./pod-spec.js";
import type { Strategy } from "./strategy.js";

/** Kubernetes' limit: a CronJob's Jobs are named `<name>-<minutes since epoch>`, within 63 characters. */
const MAX_NAME = 52;

export const cronJobStrategy: Strategy = {
  nameRule: "subdomain",
  printer: cronJobPrinter,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults(obj: KObject): void {
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as unknown as CronJobSpec;
    s.concurrencyPolicy ??= "Allow";
    s.suspend ??= false;
    s.successfulJobsHistoryLimit ??= 3;
    s.failedJobsHistoryLimit ??= 1;
    const pod = isRecord(s.jobTemplate) && isRecord(s.jobTemplate.spec) && isRecord(s.jobTemplate.spec.template) ? s.jobTemplate.spec.template.spec : undefined;
    if (isRecord(pod)) defaultPodSpec(pod as PodSpec);
  },
  validate(obj, _old, errs): void {
    if ((obj.metadata.name ?? "").length > MAX_NAME) errs.add("metadata.name", `must be no more than ${MAX_NAME} characters`);
    if (!isRecord(obj.spec)) return errs.required("spec");
    const s = obj.spec as Record<string, unknown>;
    if (typeof s.schedule !== "string" || s.schedule === "") errs.required("spec.schedule");
    else {
      const why = scheduleError(s.schedule);
      if (why) errs.add("spec.schedule", `Invalid value: "${s.schedule}": ${why}`);
    }
    if (s.timeZone !== undefined && (typeof s.timeZone !== "string" || !isValidTimeZone(s.timeZone))) {
      errs.add("spec.timeZone", `Invalid value: "${String(s.timeZone)}": unknown time zone ${String(s.timeZone)}`);
    }
    errs.nonNegativeInt("spec.startingDeadlineSeconds", s.startingDeadlineSeconds, "int64");
    errs.nonNegativeInt("spec.successfulJobsHistoryLimit", s.successfulJobsHistoryLimit, "int32");
    errs.nonNegativeInt("spec.failedJobsHistoryLimit", s.failedJobsHistoryLimit, "int32");
    errs.oneOf("spec.concurrencyPolicy", s.concurrencyPolicy, ["Allow", "Forbid", "Replace"]);
    if (!isRecord(s.jobTemplate)) return errs.required("spec.jobTemplate");
    validateJobSpec(s.jobTemplate.spec, "spec.jobTemplate.spec", errs, false);
  },
};
