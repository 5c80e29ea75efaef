/** Deployments (apps/v1): RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
import type { DeploymentSpec, KObject } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { defaultWorkload, intOrPercent, validateWorkload } from "./workload.js";
import { validateReplicaStatus } from "./status-rules.js";
import { deploymentPrinter } from "../../lib/printers/apps.js";
import type { Strategy } from "./strategy.js";

export const deploymentStrategy: Strategy = {
  nameRule: "subdomain",
  printer: deploymentPrinter,
  validateStatus: validateReplicaStatus,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults(obj: KObject): void {
    defaultWorkload(obj);
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as unknown as DeploymentSpec;
    s.strategy ??= {};
    s.strategy.type ??= "RollingUpdate";
    if (s.strategy.type === "RollingUpdate") {
      s.strategy.rollingUpdate ??= {};
      s.strategy.rollingUpdate.maxSurge ??= "25%";
      s.strategy.rollingUpdate.maxUnavailable ??= "25%";
    }
    s.revisionHistoryLimit ??= 10;
    s.progressDeadlineSeconds ??= 600;
  },
  validate(obj, old, errs): void {
    validateWorkload(obj, old, errs);
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as unknown as DeploymentSpec;
    errs.nonNegativeInt("spec.revisionHistoryLimit", s.revisionHistoryLimit, "int32");
    const deadline = errs.nonNegativeInt("spec.progressDeadlineSeconds", s.progressDeadlineSeconds, "int32");
    const minReady = (s as { minReadySeconds?: unknown }).minReadySeconds;
    if (deadline !== undefined && typeof minReady === "number" && deadline <= minReady) errs.add("spec.progressDeadlineSeconds", "must be greater than minReadySeconds");
    const st = s.strategy;
    if (st?.type !== undefined && st.type !== "RollingUpdate" && st.type !== "Recreate") {
      errs.add("spec.strategy.type", 'Unsupported value: must be one of "Recreate", "RollingUpdate"', "FieldValueNotSupported");
    }
    if (st?.type === "Recreate" && st.rollingUpdate) errs.add("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'", "FieldValueForbidden");
    const ru = st?.rollingUpdate;
    if (ru) {
      const surge = intOrPercent(ru.maxSurge, "spec.strategy.rollingUpdate.maxSurge", errs);
      const unavail = intOrPercent(ru.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
      if (surge === 0 && unavail === 0) errs.add("spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0");
      if (typeof ru.maxUnavailable === "string" && unavail !== undefined && unavail > 100) errs.add("spec.strategy.rollingUpdate.maxUnavailable", "must not be greater than 100%");
    }
  },
};

