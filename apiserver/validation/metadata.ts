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
  if (m.ownerReferences !== undefined && !Array.isArray(m.ownerReferences)) errs.add("metadata.ownerReferences", "must be a list");
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
