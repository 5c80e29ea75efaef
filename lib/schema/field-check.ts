/**
 * Server-side field validation against kctl's schemas, as Kubernetes' decoder does it: fields the
 * schema does not declare are unknown (reported with their path, `spec.containers[0].imagee`,
 * and dropped from the object); declared fields set to null are dropped as unset. Subtrees
 * marked `x-kubernetes-preserve-unknown-fields` are taken as written.
 */
import { resolve } from "./index.js";
import type { Schema } from "./schema.js";

/** What a walk found: paths of undeclared fields (already removed from the object). */
export interface FieldFindings {
  unknown: string[];
}

type Json = unknown;

const typeName = (v: Json): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v);

function wrongType(s: Schema, v: Json): boolean {
  if (v === null) return false; // null is "unset" for every field, as in Go's decoder
  if (s["x-kubernetes-int-or-string"]) return typeof v !== "string" && !Number.isInteger(v);
  switch (s.type) {
    case "object":
      return typeName(v) !== "object";
    case "array":
      return !Array.isArray(v);
    case "string":
      return typeof v !== "string";
    case "integer":
      return !Number.isInteger(v);
    case "number":
      return typeof v !== "number";
    case "boolean":
      return typeof v !== "boolean";
    default:
      return false;
  }
}

/** Walk `value` against `schema`, removing undeclared fields in place; `path` is the path so far. */
function walk(schema: Schema, value: Json, path: string, out: FieldFindings): void {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return;
  // A value of the wrong type is not looked into: the kind's strategy refuses it with a 422
  // naming the field (apiserver/strategies), as kctl always has.
  if (wrongType(s, value)) return;
  if (s["x-kubernetes-preserve-unknown-fields"]) return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(s.items!, v, `${path}[${i}]`, out));
    return;
  }
  if (typeof value !== "object" || s.type !== "object") return;
  const obj = value as Record<string, Json>;
  for (const key of Object.keys(obj)) {
    const child = s.properties?.[key] ?? s.additionalProperties;
    const childPath = path ? `${path}.${key}` : key;
    if (!child) {
      out.unknown.push(childPath);
      delete obj[key];
      continue;
    }
    // A declared field set to null is unset, as Go's decoder reads it: not stored (a merge
    // patch's null has already deleted its field before this runs).
    if (obj[key] === null && s.properties?.[key]) {
      delete obj[key];
      continue;
    }
    walk(child, obj[key], childPath, out);
  }
}

/** Check an object against its kind's schema: unknown fields are removed from `obj` and listed. */
export function checkFields(schema: Schema, obj: Json): FieldFindings {
  const out: FieldFindings = { unknown: [] };
  walk(schema, obj, "", out);
  return out;
}
