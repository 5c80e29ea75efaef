/**
 * ObjectMeta validation shared by every kind: name, labels, annotations, finalizers.
 */
import { labelKeyError, labelValueError } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";
import type { FieldErrors } from "./field-errors.js";
import { isRecord } from "./field-errors.js";
import { nameError, type NameRule } from "./names.js";

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Validate `metadata` of an object whose name follows `rule`. */
export function validateObjectMeta(obj: KObject, rule: NameRule, errs: FieldErrors): void {
  const m = obj.metadata;
  if (!m.name) errs.required("metadata.name");
  else {
    const e = nameError(m.name, rule);
    if (e) errs.add("metadata.name", e);
  }
  validateLabels(m.labels, "metadata.labels", errs);
  if (m.annotations !== undefined) {
    if (!isRecord(m.annotations)) errs.add("metadata.annotations", "must be a map of string keys to string values");
    else {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        const ke = labelKeyError(k);
        if (ke) errs.add(`metadata.annotations`, `${ke.replace("label key", "annotation key")}`);
        if (typeof v !== "string") errs.add(`metadata.annotations[${k}]`, "must be a string");
        else size += k.length + v.length;
      }
      if (size > MAX_ANNOTATIONS_BYTES) errs.add("metadata.annotations", "Too long: must have at most 262144 bytes", "FieldValueTooLong");
    }
  }
  if (m.finalizers !== undefined) {
    if (!Array.isArray(m.finalizers)) errs.add("metadata.finalizers", "must be a list of strings");
    else m.finalizers.forEach((f, i) => {
      if (typeof f !== "string" || labelKeyError(f)) errs.add(`metadata.finalizers[${i}]`, "must be a qualified name");
    });
  }
  validateOwnerReferences(m.ownerReferences, errs);
}

/** Kubernetes' rules: apiVersion, kind, name and uid set; at most one controller. */
function validateOwnerReferences(refs: unknown, errs: FieldErrors): void {
  if (refs === undefined || refs === null) return;
  if (!Array.isArray(refs)) return errs.add("metadata.ownerReferences", "must be a list");
  let controllers = 0;
  refs.forEach((r: unknown, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!isRecord(r)) return errs.add(p, "must be an object");
    for (const k of ["apiVersion", "kind", "name", "uid"] as const) {
      if (typeof r[k] !== "string" || r[k] === "") errs.add(`${p}.${k}`, `${k} must not be empty`, "FieldValueInvalid");
    }
    if (typeof r.name === "string" && r.name !== "" && nameError(r.name, "subdomain")) errs.add(`${p}.name`, nameError(r.name, "subdomain")!);
    for (const k of ["controller", "blockOwnerDeletion"] as const) {
      if (r[k] !== undefined && typeof r[k] !== "boolean") errs.add(`${p}.${k}`, "must be a boolean");
    }
    if (r.controller === true) controllers++;
  });
  if (controllers > 1) errs.add("metadata.ownerReferences", "Only one reference can have Controller set to true");
}

/** Validate a label map (object labels, selectors, template labels). */
export function validateLabels(labels: unknown, path: string, errs: FieldErrors): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) {
    errs.add(path, "must be a map of string keys to string values");
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    const ke = labelKeyError(k);
    if (ke) errs.add(path, ke);
    if (typeof v !== "string") errs.add(`${path}[${k}]`, "must be a string");
    else {
      const ve = labelValueError(v);
      if (ve) errs.add(`${path}[${k}]`, ve);
    }
  }
}
