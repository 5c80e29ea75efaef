/**
 * Server-side apply's structural merge, as structured-merge-diff does it over the kind's schema:
 * the applied configuration is merged into the live object (structs and granular maps field by
 * field, keyed lists by key, sets by value, everything else replaced), and fields the manager
 * applied before but no longer does, and nobody else owns, are removed.
 */
import { isPlainObject } from "../../lib/json.js";
import { fieldSchema, itemSchema } from "../../lib/schema/index.js";
import type { Schema } from "../../lib/schema/schema.js";
import type { FieldSet } from "./field-set.js";
import { itemKey, setKey, shapeOf } from "./object-fields.js";

type Json = unknown;
type Obj = Record<string, Json>;

/** `live` with `applied` merged in (a new value; neither input is changed). */
export function mergeApplied(s: Schema | undefined, live: Json, applied: Json): Json {
  const shape = shapeOf(s);
  if (shape === "struct" && isPlainObject(applied) && isPlainObject(live)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === undefined || v === null) continue;
      out[k] = mergeApplied(fieldSchema(s, k), live[k], v);
    }
    return out;
  }
  if (shape === "maplist" && Array.isArray(applied) && Array.isArray(live)) {
    const is = itemSchema(s);
    const out = [...live];
    const index = new Map(out.map((item, i) => [itemKey(s, item), i]));
    for (const item of applied) {
      const i = index.get(itemKey(s, item));
      if (i === undefined) out.push(structuredClone(item));
      else out[i] = mergeApplied(is, out[i], item);
    }
    return out;
  }
  if (shape === "set" && Array.isArray(applied) && Array.isArray(live)) {
    const have = new Set(live.map(setKey));
    return [...live, ...applied.filter((v) => !have.has(setKey(v)))];
  }
  return structuredClone(applied);
}

/** Remove the members of `set` from `value` in place (children first, then members). */
export function removeFields(s: Schema | undefined, value: Json, set: FieldSet): Json {
  const shape = shapeOf(s);
  if (isPlainObject(value) && shape === "struct") {
    for (const [pe, c] of set.children) {
      const k = pe.slice(2);
      if (pe.startsWith("f:") && value[k] !== undefined) value[k] = removeFields(fieldSchema(s, k), value[k], c);
    }
    for (const pe of set.members) if (pe.startsWith("f:")) delete value[pe.slice(2)];
    return value;
  }
  if (Array.isArray(value) && shape === "maplist") {
    const is = itemSchema(s);
    for (const item of value) {
      const c = set.children.get(itemKey(s, item));
      if (c) removeFields(is, item, c);
    }
    return value.filter((item) => !set.members.has(itemKey(s, item)));
  }
  if (Array.isArray(value) && shape === "set") return value.filter((v) => !set.members.has(setKey(v)));
  return value;
}
