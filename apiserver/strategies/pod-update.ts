/**
 * Which pod spec changes an update may make: as in Kubernetes, a pod's spec is fixed at creation
 * except for container images, activeDeadlineSeconds and added tolerations (and spec.nodeName,
 * which binding sets once: pod.ts checks it). Everything else needs a new pod, which is what
 * controllers do with templates.
 */
import { deepEqual, isPlainObject } from "../../lib/json.js";
import type { FieldErrors } from "../validation/field-errors.js";

const MUTABLE =
  "pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, " +
  "`spec.activeDeadlineSeconds` or `spec.tolerations` (only additions to existing tolerations)";

/** Add a Forbidden error on `spec` when `now` changes more than an update may (see file comment). */
export function validatePodSpecUpdate(old: Record<string, unknown>, now: Record<string, unknown>, errs: FieldErrors): void {
  const comparable = maskMutable(old, now);
  const changed = firstDifference(old, comparable, "spec");
  if (changed !== undefined) errs.add("spec", `Forbidden: ${MUTABLE} (${changed} changed)`, "FieldValueForbidden");
}

/** `now` with its mutable fields set back to `old`'s values, where the change is allowed. */
function maskMutable(old: Record<string, unknown>, now: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...now };
  for (const list of ["containers", "initContainers"]) {
    const a = old[list];
    const b = now[list];
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) continue;
    out[list] = b.map((c: unknown, i) => (isPlainObject(c) && isPlainObject(a[i]) ? { ...c, image: a[i].image } : c));
  }
  setOrDelete(out, "activeDeadlineSeconds", old.activeDeadlineSeconds);
  setOrDelete(out, "nodeName", old.nodeName);
  const before = Array.isArray(old.tolerations) ? old.tolerations : [];
  const after = Array.isArray(now.tolerations) ? now.tolerations : [];
  if (before.every((t) => after.some((u) => deepEqual(t, u)))) setOrDelete(out, "tolerations", old.tolerations);
  return out;
}

function setOrDelete(o: Record<string, unknown>, key: string, v: unknown): void {
  if (v === undefined) delete o[key];
  else o[key] = v;
}

/** The path of the first difference between two JSON values, or undefined when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (deepEqual(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
  }
  return path;
}
