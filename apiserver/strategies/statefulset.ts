/**
 * StatefulSets (apps/v1). Defaults as Kubernetes: OrderedReady, RollingUpdate with partition 0
 * and maxUnavailable 1, revisionHistoryLimit 10, claims retained on delete and scale-down.
 * Only replicas, ordinals, template, updateStrategy, the claim retention policy and
 * minReadySeconds may change after creation.
 */
import type { KObject, StatefulSetSpec } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { isDns1123Label } from "../validation/names.js";
import { statefulSetPrinter } from "../../lib/printers/apps.js";
import { validateReplicaStatus } from "./status-rules.js";
import { validateClaimSpec } from "./storage-rules.js";
import type { Strategy } from "./strategy.js";
import { defaultWorkload, intOrPercent, validateWorkload } from "./workload.js";

const UPDATABLE = new Set(["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"]);

export const statefulSetStrategy: Strategy = {
  nameRule: "subdomain",
  printer: statefulSetPrinter,

  validateStatus: validateReplicaStatus,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults(obj: KObject): void {
    defaultWorkload(obj);
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as unknown as StatefulSetSpec;
    s.podManagementPolicy ??= "OrderedReady";
    s.updateStrategy ??= {};
    s.updateStrategy.type ??= "RollingUpdate";
    if (s.updateStrategy.type === "RollingUpdate") {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.partition ??= 0;
      s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    }
    s.revisionHistoryLimit ??= 10;
    s.persistentVolumeClaimRetentionPolicy ??= {};
    s.persistentVolumeClaimRetentionPolicy.whenDeleted ??= "Retain";
    s.persistentVolumeClaimRetentionPolicy.whenScaled ??= "Retain";
    for (const t of Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : []) {
      if (isRecord(t) && isRecord(t.spec)) t.spec.volumeMode ??= "Filesystem";
    }
  },
  validate(obj, old, errs): void {
    validateWorkload(obj, old, errs);
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as Record<string, unknown>;
    if (s.serviceName !== undefined && (typeof s.serviceName !== "string" || (s.serviceName !== "" && !isDns1123Label(s.serviceName)))) {
      errs.add("spec.serviceName", "must be a DNS-1123 label (the governing headless Service)");
    }
    errs.oneOf("spec.podManagementPolicy", s.podManagementPolicy, ["OrderedReady", "Parallel"]);
    errs.nonNegativeInt("spec.revisionHistoryLimit", s.revisionHistoryLimit, "int32");
    const us = isRecord(s.updateStrategy) ? s.updateStrategy : undefined;
    if (us) {
      errs.oneOf("spec.updateStrategy.type", us.type, ["RollingUpdate", "OnDelete"]);
      if (us.type === "OnDelete" && us.rollingUpdate !== undefined) errs.add("spec.updateStrategy.rollingUpdate", "only allowed for updateStrategy 'RollingUpdate'", "FieldValueForbidden");
      const ru = isRecord(us.rollingUpdate) ? us.rollingUpdate : undefined;
      if (ru) {
        errs.nonNegativeInt("spec.updateStrategy.rollingUpdate.partition", ru.partition, "int32");
        const mu = ru.maxUnavailable as number | string | undefined;
        const n = intOrPercent(mu, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
        if (n === 0) errs.add("spec.updateStrategy.rollingUpdate.maxUnavailable", "must be greater than 0");
        if (typeof mu === "string" && n !== undefined && n > 100) errs.add("spec.updateStrategy.rollingUpdate.maxUnavailable", "must not be greater than 100%");
      }
    }
    const rp = isRecord(s.persistentVolumeClaimRetentionPolicy) ? s.persistentVolumeClaimRetentionPolicy : undefined;
    errs.oneOf("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", rp?.whenDeleted, ["Retain", "Delete"]);
    errs.oneOf("spec.persistentVolumeClaimRetentionPolicy.whenScaled", rp?.whenScaled, ["Retain", "Delete"]);
    if (isRecord(s.ordinals)) errs.nonNegativeInt("spec.ordinals.start", s.ordinals.start, "int32");
    const restart = isRecord(s.template) && isRecord(s.template.spec) ? s.template.spec.restartPolicy : undefined;
    if (restart !== undefined && restart !== "Always") errs.add("spec.template.spec.restartPolicy", `Unsupported value: "${String(restart)}": supported values: "Always"`, "FieldValueNotSupported");
    validateClaimTemplates(s.volumeClaimTemplates, errs);
    if (old && isRecord(old.spec)) {
      const was = old.spec as Record<string, unknown>;
      const keys = new Set([...Object.keys(s), ...Object.keys(was)]);
      const changed = [...keys].filter((k) => !UPDATABLE.has(k) && JSON.stringify(s[k]) !== JSON.stringify(was[k]));
      if (changed.length) {
        errs.add("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", "FieldValueForbidden");
      }
    }
  },
};

function validateClaimTemplates(v: unknown, errs: import("../validation/field-errors.js").FieldErrors): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return errs.add("spec.volumeClaimTemplates", "must be a list");
  const seen = new Set<string>();
  v.forEach((t: unknown, i) => {
    const p = `spec.volumeClaimTemplates[${i}]`;
    if (!isRecord(t)) return errs.add(p, "must be an object");
    const n = isRecord(t.metadata) ? t.metadata.name : undefined;
    if (typeof n !== "string" || n === "") errs.required(`${p}.metadata.name`);
    else if (!isDns1123Label(n)) errs.add(`${p}.metadata.name`, "must be a DNS-1123 label");
    else if (seen.has(n)) errs.add(`${p}.metadata.name`, `Duplicate value: "${n}"`, "FieldValueDuplicate");
    else seen.add(n);
    validateClaimSpec(t.spec, `${p}.spec`, errs);
  });
}
