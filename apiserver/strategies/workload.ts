/**
 * Shared rules of ReplicaSets and Deployments: a required selector that matches the template's
 * labels, replicas >= 0, and a valid pod template.
 */
import { selectorFromLabelSelector } from "../../lib/selector.js";
import type { IntOrString, KObject, LabelSelector, PodSpec, PodTemplateSpec } from "../../lib/types.js";
import { isRecord, type FieldErrors } from "../validation/field-errors.js";
import { validateLabels } from "../validation/metadata.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";

interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
  minReadySeconds?: number;
}

/** replicas 1 and pod-spec defaults in the template. */
export function defaultWorkload(obj: KObject): void {
  if (!isRecord(obj.spec)) return;
  const s = obj.spec as WorkloadSpec;
  s.replicas ??= 1;
  if (isRecord(s.template) && isRecord(s.template.spec)) defaultPodSpec(s.template.spec as PodSpec);
}

/** Selector, template and replicas rules. */
export function validateWorkload(obj: KObject, old: KObject | undefined, errs: FieldErrors): void {
  if (!isRecord(obj.spec)) {
    errs.required("spec");
    return;
  }
  const s = obj.spec as WorkloadSpec;
  errs.nonNegativeInt("spec.replicas", s.replicas, "int32");
  errs.nonNegativeInt("spec.minReadySeconds", s.minReadySeconds, "int32");
  let selectorOk = false;
  if (!isRecord(s.selector)) errs.required("spec.selector");
  else {
    validateLabels(s.selector.matchLabels, "spec.selector.matchLabels", errs);
    try {
      const sel = selectorFromLabelSelector(s.selector);
      if (sel.empty) errs.add("spec.selector", "empty selector is invalid for deployment");
      else selectorOk = true;
      const labels = isRecord(s.template) && isRecord(s.template.metadata) ? s.template.metadata.labels : undefined;
      if (selectorOk && !sel.matches(labels as Record<string, string> | undefined)) errs.add("spec.template.metadata.labels", "`selector` does not match template `labels`");
    } catch (e) {
      errs.add("spec.selector", (e as Error).message);
    }
  }
  if (!isRecord(s.template)) errs.required("spec.template");
  else {
    if (isRecord(s.template.metadata)) validateLabels(s.template.metadata.labels, "spec.template.metadata.labels", errs);
    validatePodSpec(s.template.spec, "spec.template.spec", errs);
  }
  if (old && isRecord(old.spec) && selectorOk) {
    // apps/v1 makes the selector immutable.
    if (JSON.stringify((old.spec as WorkloadSpec).selector) !== JSON.stringify(s.selector)) errs.add("spec.selector", "field is immutable");
  }
}

/** The numeric part of an int-or-percent (`3`, `"25%"`), or undefined after recording an error. */
export function intOrPercent(v: IntOrString | undefined, path: string, errs: FieldErrors): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number") return errs.nonNegativeInt(path, v, "int32");
  if (typeof v !== "string") {
    errs.add(path, "must be an integer or a percentage string");
    return undefined;
  }
  const m = /^(\d{1,10})%$/.exec(v);
  if (!m) {
    errs.add(path, "a valid percent string must be a numeric string followed by an ending '%'");
    return undefined;
  }
  return Number(m[1]);
}
