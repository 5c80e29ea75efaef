/**
 * Jobs (batch/v1). Defaults as Kubernetes 1.32: parallelism 1 (and completions 1 when neither is
 * set), backoffLimit 6, completionMode NonIndexed, suspend false, podReplacementPolicy
 * TerminatingOrFailed (Failed with a podFailurePolicy). Unless `manualSelector`, the selector is
 * generated from the Job's uid and the template gets the `controller-uid`/`job-name` labels.
 * The pod template's restartPolicy must be Never or OnFailure. The selector, the template,
 * completionMode and podFailurePolicy never change; completions only for Indexed Jobs and
 * only together with parallelism (elastic Indexed Jobs).
 */
import {
  LABEL_CONTROLLER_UID, LABEL_JOB_NAME, LEGACY_LABEL_CONTROLLER_UID, LEGACY_LABEL_JOB_NAME,
} from "../../lib/batch/job-labels.js";
import { parseIndexes } from "../../lib/batch/indexes.js";
import { jobPrinter } from "../../lib/printers/batch.js";
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { JobSpec, KObject, PodSpec } from "../../lib/types.js";
import { isRecord, type FieldErrors } from "../validation/field-errors.js";
import { validateLabels } from "../validation/metadata.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import type { Strategy } from "./strategy.js";

/** Kubernetes' cap on an Indexed Job's completions (and parallelism). */
const MAX_INDEXED_COMPLETIONS = 100_000;

/** Job spec defaults, also applied to a CronJob's jobTemplate. */
export function defaultJobSpec(s: JobSpec): void {
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  s.completionMode ??= "NonIndexed";
  s.suspend ??= false;
  s.manualSelector ??= undefined;
  if (s.manualSelector === undefined) delete s.manualSelector;
  s.podReplacementPolicy ??= s.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  if (isRecord(s.template) && isRecord(s.template.spec)) defaultPodSpec(s.template.spec as PodSpec);
}

/**
 * Job spec rules shared with a CronJob's jobTemplate (`path` is where the spec sits). A template
 * in a CronJob has no selector yet: `needSelector` false.
 */
export function validateJobSpec(v: unknown, path: string, errs: FieldErrors, needSelector: boolean): void {
  if (!isRecord(v)) return errs.required(path);
  const s = v as Record<string, unknown>;
  const parallelism = errs.nonNegativeInt(`${path}.parallelism`, s.parallelism, "int32");
  const completions = s.completions === null ? undefined : errs.nonNegativeInt(`${path}.completions`, s.completions, "int32");
  errs.int(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, "int64", 1);
  errs.nonNegativeInt(`${path}.backoffLimit`, s.backoffLimit, "int32");
  errs.nonNegativeInt(`${path}.ttlSecondsAfterFinished`, s.ttlSecondsAfterFinished, "int32");
  errs.nonNegativeInt(`${path}.backoffLimitPerIndex`, s.backoffLimitPerIndex, "int32");
  errs.nonNegativeInt(`${path}.maxFailedIndexes`, s.maxFailedIndexes, "int32");
  errs.oneOf(`${path}.completionMode`, s.completionMode, ["NonIndexed", "Indexed"]);
  errs.oneOf(`${path}.podReplacementPolicy`, s.podReplacementPolicy, ["TerminatingOrFailed", "Failed"]);
  if (s.suspend !== undefined && typeof s.suspend !== "boolean") errs.add(`${path}.suspend`, "must be a boolean");
  if (s.completionMode === "Indexed") {
    if (completions === undefined) errs.required(`${path}.completions`);
    else if (completions > MAX_INDEXED_COMPLETIONS) errs.add(`${path}.completions`, `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`);
    if (parallelism !== undefined && parallelism > MAX_INDEXED_COMPLETIONS) errs.add(`${path}.parallelism`, `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`);
  } else if (s.backoffLimitPerIndex !== undefined) {
    errs.add(`${path}.backoffLimitPerIndex`, "requires indexed completion mode", "FieldValueForbidden");
  }
  validatePodFailurePolicy(s.podFailurePolicy, `${path}.podFailurePolicy`, s, errs);
  validateSuccessPolicy(s.successPolicy, `${path}.successPolicy`, s.completionMode === "Indexed" ? completions : undefined, errs);
  if (s.managedBy !== undefined && (typeof s.managedBy !== "string" || s.managedBy === "" || s.managedBy.length > 63)) {
    errs.add(`${path}.managedBy`, "must be a domain-prefixed path (such as \"acme.io/foo\") of at most 63 characters");
  }
  if (!isRecord(s.template)) errs.required(`${path}.template`);
  else {
    const tLabels = isRecord(s.template.metadata) ? s.template.metadata.labels : undefined;
    validateLabels(tLabels, `${path}.template.metadata.labels`, errs);
    validatePodSpec(s.template.spec, `${path}.template.spec`, errs);
    const restart = isRecord(s.template.spec) ? s.template.spec.restartPolicy : undefined;
    if (restart !== "Never" && restart !== "OnFailure") {
      errs.add(`${path}.template.spec.restartPolicy`, `Unsupported value: "${String(restart)}": supported values: "OnFailure", "Never"`, "FieldValueNotSupported");
    }
    if (needSelector) {
      if (!isRecord(s.selector)) errs.required(`${path}.selector`);
      else {
        try {
          const sel = selectorFromLabelSelector(s.selector);
          if (sel.empty) errs.required(`${path}.selector`);
          else if (!sel.matches(tLabels as Record<string, string> | undefined)) errs.add(`${path}.template.metadata.labels`, "`selector` does not match template `labels`");
        } catch (e) {
          errs.add(`${path}.selector`, (e as Error).message);
        }
      }
    }
  }
}

/** Kubernetes' validateSuccessPolicy: Indexed Jobs only; each rule names indexes and/or a count within completions. */
function validateSuccessPolicy(v: unknown, path: string, completions: number | undefined, errs: FieldErrors): void {
  if (v === undefined) return;
  if (completions === undefined) return errs.add(path, "requires indexed completion mode", "FieldValueForbidden");
  if (!isRecord(v) || !Array.isArray(v.rules) || v.rules.length === 0) return errs.required(`${path}.rules`);
  if (v.rules.length > 20) errs.add(`${path}.rules`, "must have at most 20 items", "FieldValueTooMany");
  v.rules.forEach((r: unknown, i) => {
    const p = `${path}.rules[${i}]`;
    if (!isRecord(r) || (r.succeededIndexes === undefined && r.succeededCount === undefined)) return errs.add(p, "at least one of succeededCount or succeededIndexes must be specified", "FieldValueRequired");
    let size: number | undefined;
    if (r.succeededIndexes !== undefined) {
      const problem = indexListProblem(r.succeededIndexes, completions);
      if (problem) errs.add(`${p}.succeededIndexes`, `error parsing succeededIndexes: ${problem}`);
      else size = parseIndexes(r.succeededIndexes as string).size;
    }
    const count = errs.int(`${p}.succeededCount`, r.succeededCount, "int32", 1);
    if (count !== undefined && count > completions) errs.add(`${p}.succeededCount`, `must be less than or equal to ${completions} (the number of specified completions)`);
    else if (count !== undefined && size !== undefined && count > size) errs.add(`${p}.succeededCount`, `must be less than or equal to ${size} (the number of indexes in the specified succeededIndexes field)`);
  });
}

/** What is wrong with an index list such as "0,2-4" (ascending, no overlap, each below `completions`), or undefined. */
function indexListProblem(v: unknown, completions: number): string | undefined {
  if (typeof v !== "string") return "must be a string";
  let prev = -1;
  for (const part of v.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return `cannot parse '${part}'`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return `range '${part}' is not ascending`;
    if (from <= prev) return "values are not ordered or overlap";
    if (to >= completions) return `too large: ${to} (completions is ${completions})`;
    prev = to;
  }
  return undefined;
}

function validatePodFailurePolicy(v: unknown, path: string, spec: Record<string, unknown>, errs: FieldErrors): void {
  if (v === undefined) return;
  if (!isRecord(v) || !Array.isArray(v.rules)) return errs.required(`${path}.rules`);
  const restart = isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec.restartPolicy : undefined;
  if (restart !== "Never") errs.add(`${path}`, "only allowed when the pod template's restartPolicy is Never", "FieldValueForbidden");
  v.rules.forEach((r: unknown, i) => {
    const p = `${path}.rules[${i}]`;
    if (!isRecord(r)) return errs.add(p, "must be an object");
    errs.oneOf(`${p}.action`, r.action, ["FailJob", "FailIndex", "Ignore", "Count"]);
    if (r.action === undefined) errs.required(`${p}.action`);
    if (r.action === "FailIndex" && spec.backoffLimitPerIndex === undefined) errs.add(`${p}.action`, "requires the backoffLimitPerIndex to be set", "FieldValueForbidden");
    const hasCodes = r.onExitCodes !== undefined;
    const hasConds = r.onPodConditions !== undefined;
    if (hasCodes === hasConds) errs.add(p, "specifying one of onExitCodes and onPodConditions is required");
    if (isRecord(r.onExitCodes)) {
      const e = r.onExitCodes;
      errs.oneOf(`${p}.onExitCodes.operator`, e.operator, ["In", "NotIn"]);
      if (!Array.isArray(e.values) || e.values.length === 0) errs.required(`${p}.onExitCodes.values`);
      else {
        e.values.forEach((x: unknown, j) => {
          if (!Number.isInteger(x)) errs.add(`${p}.onExitCodes.values[${j}]`, "must be an integer");
          else if (x === 0 && e.operator === "In") errs.add(`${p}.onExitCodes.values[${j}]`, "must not be 0 for the In operator");
        });
        if (new Set(e.values).size !== e.values.length) errs.add(`${p}.onExitCodes.values`, "Duplicate value", "FieldValueDuplicate");
      }
    }
    if (Array.isArray(r.onPodConditions)) {
      r.onPodConditions.forEach((c: unknown, j) => {
        if (!isRecord(c) || typeof c.type !== "string" || c.type === "") errs.required(`${p}.onPodConditions[${j}].type`);
        else errs.oneOf(`${p}.onPodConditions[${j}].status`, c.status ?? "True", ["True", "False", "Unknown"]);
      });
    }
  });
}

/** Fields of a Job's spec that never change once it exists (Kubernetes' ValidateJobSpecUpdate). */
const IMMUTABLE = ["selector", "template", "completionMode", "podFailurePolicy", "backoffLimitPerIndex", "manualSelector", "successPolicy", "managedBy"] as const;

export const jobStrategy: Strategy = {
  nameRule: "subdomain",
  printer: jobPrinter,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as unknown as JobSpec;
    if (s.manualSelector === true) return;
    // Kubernetes' generateSelector: the template gets the uid and name labels (both spellings),
    // and a selector the user did not give is the uid one.
    const uid = obj.metadata.uid ?? "";
    const name = obj.metadata.name ?? "";
    if (isRecord(s.template)) {
      s.template.metadata = isRecord(s.template.metadata) ? s.template.metadata : {};
      s.template.metadata.labels = {
        ...(isRecord(s.template.metadata.labels) ? s.template.metadata.labels : {}),
        [LABEL_CONTROLLER_UID]: uid, [LABEL_JOB_NAME]: name, [LEGACY_LABEL_CONTROLLER_UID]: uid, [LEGACY_LABEL_JOB_NAME]: name,
      };
    }
    s.selector ??= { matchLabels: { [LABEL_CONTROLLER_UID]: uid } };
  },
  defaults(obj: KObject): void {
    if (isRecord(obj.spec)) defaultJobSpec(obj.spec as unknown as JobSpec);
  },
  validate(obj, old, errs): void {
    validateJobSpec(obj.spec, "spec", errs, true);
    const spec = isRecord(obj.spec) ? (obj.spec as Record<string, unknown>) : {};
    if (spec.manualSelector !== true && isRecord(spec.selector)) {
      // Kubernetes' ValidateGeneratedSelector: without manualSelector the selector is the uid one.
      const ml = isRecord(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
      if (ml[LABEL_CONTROLLER_UID] !== obj.metadata.uid) errs.add("spec.selector", "`selector` not auto-generated");
    }
    if (!old || !isRecord(old.spec) || !isRecord(obj.spec)) return;
    const s = obj.spec as Record<string, unknown>;
    const was = old.spec as Record<string, unknown>;
    for (const k of IMMUTABLE) {
      if (JSON.stringify(s[k]) !== JSON.stringify(was[k])) errs.add(`spec.${k}`, "field is immutable");
    }
    if (s.completions !== was.completions) {
      // Elastic Indexed Jobs: completions may change only along with parallelism, to the same value.
      const elastic = s.completionMode === "Indexed" && s.completions === s.parallelism;
      if (!elastic) errs.add("spec.completions", s.completionMode === "Indexed" ? "can only be modified in tandem with spec.parallelism" : "field is immutable");
    }
  },
};
