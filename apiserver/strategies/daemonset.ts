/**
 * DaemonSets (apps/v1). Defaults as Kubernetes: RollingUpdate with maxUnavailable 1 and maxSurge
 * 0, revisionHistoryLimit 10. The selector is required, must match the template's labels and never
 * changes; the template's restartPolicy must be Always; maxUnavailable and maxSurge may not both
 * be 0.
 */
import { daemonSetPrinter } from "../../lib/printers/apps.js";
import type { DaemonSetSpec, KObject } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import type { Strategy } from "./strategy.js";
import { defaultWorkload, intOrPercent, validateWorkload } from "./workload.js";

export const daemonSetStrategy: Strategy = {
  nameRule: "subdomain",
  printer: daemonSetPrinter,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults(obj: KObject): void {
    if (!isRecord(obj.spec)) return;
    defaultWorkload(obj);
    // DaemonSets have no replicas: defaultWorkload's is a ReplicaSet's default.
    delete (obj.spec as { replicas?: number }).replicas;
    const s = obj.spec as unknown as DaemonSetSpec;
    s.updateStrategy ??= {};
    s.updateStrategy.type ??= "RollingUpdate";
    if (s.updateStrategy.type === "RollingUpdate") {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      s.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    s.revisionHistoryLimit ??= 10;
  },
  validate(obj, old, errs): void {
    validateWorkload(obj, old, errs);
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as Record<string, unknown>;
    if ("replicas" in s) errs.add("spec.replicas", "field not declared in schema", "FieldValueNotSupported");
    errs.nonNegativeInt("spec.revisionHistoryLimit", s.revisionHistoryLimit, "int32");
    const restart = isRecord(s.template) && isRecord(s.template.spec) ? s.template.spec.restartPolicy : undefined;
    if (restart !== undefined && restart !== "Always") errs.add("spec.template.spec.restartPolicy", `Unsupported value: "${String(restart)}": supported values: "Always"`, "FieldValueNotSupported");
    const us = isRecord(s.updateStrategy) ? s.updateStrategy : undefined;
    if (!us) return;
    errs.oneOf("spec.updateStrategy.type", us.type, ["RollingUpdate", "OnDelete"]);
    const ru = isRecord(us.rollingUpdate) ? us.rollingUpdate : undefined;
    if (!ru) return;
    const mu = intOrPercent(ru.maxUnavailable as number | string | undefined, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
    const ms = intOrPercent(ru.maxSurge as number | string | undefined, "spec.updateStrategy.rollingUpdate.maxSurge", errs);
    if (mu === 0 && ms === 0) errs.add("spec.updateStrategy.rollingUpdate.maxUnavailable", "may not be 0 when maxSurge is 0");
  },
};
