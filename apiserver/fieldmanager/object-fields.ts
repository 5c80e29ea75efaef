/**
 * The fields an object sets, and what changed between two versions of it, as field sets over the
 * kind's schema (lib/schema): structs and granular maps are walked field by field, keyed lists
 * element by element (`k:{"name":"web"}`), sets value by value; atomic values (scalars, atomic
 * lists and maps, free-form objects) are one field each.
 */
import { isPlainObject } from "../../lib/json.js";
import { fieldSchema, itemSchema, resolve } from "../../lib/schema/index.js";
import type { Schema } from "../../lib/schema/schema.js";
import { FieldSet } from "./field-set.js";

type Json = unknown;
type Obj = Record<string, Json>;

/** How a value merges and is owned. */
export type Shape = "scalar" | "struct" | "atomic" | "maplist" | "set";

/** The shape of a (resolved) schema. */
export function shapeOf(s: Schema | undefined): Shape {
  const r = resolve(s);
  if (!r || r["x-kubernetes-preserve-unknown-fields"] || r["x-kubernetes-map-type"] === "atomic") return r?.type === "object" || !r ? "atomic" : "scalar";
  if (r.type === "object") return r.properties || r.additionalProperties ? "struct" : "atomic";
  if (r.type === "array") {
    const t = r["x-kubernetes-list-type"];
    return t === "map" && r["x-kubernetes-list-map-keys"]?.length ? "maplist" : t === "set" ? "set" : "atomic";
  }
  return "scalar";
}

/** The `k:{…}` element of a keyed list item (missing key fields take their schema default). */
export function itemKey(list: Schema | undefined, item: Json): string {
  const r = resolve(list);
  const keys = r?.["x-kubernetes-list-map-keys"] ?? [];
  const is = itemSchema(r);
  const o = isPlainObject(item) ? item : {};
  const parts = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k] ?? defaultOf(fieldSchema(is, k)) ?? null)}`);
  return `k:{${parts.join(",")}}`;
}

const defaultOf = (s: Schema | undefined): Json => s?.default;

/** The `v:…` element of a set value. */
export const setKey = (v: Json): string => `v:${JSON.stringify(v)}`;

/** Add every field `value` (a struct or map) sets, under `into`. */
function addFields(s: Schema | undefined, value: Obj, into: FieldSet): void {
  for (const [k, x] of Object.entries(value)) {
    if (x === undefined || x === null) continue;
    addField(fieldSchema(s, k), `f:${k}`, x, into);
  }
}

/** Add the field `pe` holding `x` (and what is below it) to `into`. */
function addField(cs: Schema | undefined, pe: string, x: Json, into: FieldSet): void {
  const shape = shapeOf(cs);
  if (shape === "struct" && isPlainObject(x) && Object.keys(x).length > 0) return addFields(cs, x, into.child(pe));
  if (shape === "maplist" && Array.isArray(x) && x.length > 0) {
    const list = into.child(pe);
    for (const item of x) addItem(cs, item, list);
    return;
  }
  if (shape === "set" && Array.isArray(x) && x.length > 0) {
    const set = into.child(pe);
    for (const v of x) set.members.add(setKey(v));
    return;
  }
  into.members.add(pe);
}

function addItem(list: Schema | undefined, item: Json, into: FieldSet): void {
  const key = itemKey(list, item);
  into.members.add(key);
  if (isPlainObject(item) && Object.keys(item).length > 0) addFields(itemSchema(list), item, into.child(key));
}

/** Every field `obj` sets. */
export function fieldsOf(schema: Schema, obj: Json): FieldSet {
  const out = new FieldSet();
  if (isPlainObject(obj)) addFields(schema, obj, out);
  return out;
}

/** The subtree of `value` as a set: the field itself and everything below it. */
function whole(cs: Schema | undefined, pe: string, x: Json, into: FieldSet): void {
  into.members.add(pe);
  addField(cs, pe, x, into);
}

const equal = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What an update changed: fields added or given a new value, and fields removed. */
export interface Changes {
  changed: FieldSet;
  removed: FieldSet;
}

/** Compare two versions of an object over its schema. */
export function changesBetween(schema: Schema, before: Json, after: Json): Changes {
  const out: Changes = { changed: new FieldSet(), removed: new FieldSet() };
  diffStruct(schema, isPlainObject(before) ? before : {}, isPlainObject(after) ? after : {}, out.changed, out.removed);
  return out;
}

function diffStruct(s: Schema | undefined, o: Obj, n: Obj, changed: FieldSet, removed: FieldSet): void {
  for (const [k, x] of Object.entries(n)) {
    if (x === undefined || x === null) continue;
    const pe = `f:${k}`;
    const cs = fieldSchema(s, k);
    const y = o[k];
    if (y === undefined || y === null) {
      addField(cs, pe, x, changed);
      continue;
    }
    const shape = shapeOf(cs);
    if (shape === "struct" && isPlainObject(x) && isPlainObject(y) && Object.keys(x).length && Object.keys(y).length) {
      const c = new FieldSet();
      const r = new FieldSet();
      diffStruct(cs, y, x, c, r);
      if (!c.empty) changed.children.set(pe, c);
      if (!r.empty) removed.children.set(pe, r);
    } else if (shape === "maplist" && Array.isArray(x) && Array.isArray(y)) {
      const c = new FieldSet();
      const r = new FieldSet();
      diffList(cs, y, x, c, r);
      if (!c.empty) changed.children.set(pe, c);
      if (!r.empty) removed.children.set(pe, r);
    } else if (shape === "set" && Array.isArray(x) && Array.isArray(y)) {
      const before = new Set(y.map(setKey));
      const after = new Set(x.map(setKey));
      for (const v of after) if (!before.has(v)) changed.child(pe).members.add(v);
      for (const v of before) if (!after.has(v)) removed.child(pe).members.add(v);
    } else if (!equal(x, y)) {
      changed.members.add(pe);
    }
  }
  for (const [k, y] of Object.entries(o)) {
    if (y === undefined || y === null || (n[k] !== undefined && n[k] !== null)) continue;
    whole(fieldSchema(s, k), `f:${k}`, y, removed);
  }
}

function diffList(list: Schema | undefined, before: Json[], after: Json[], changed: FieldSet, removed: FieldSet): void {
  const is = itemSchema(list);
  const old = new Map(before.map((i) => [itemKey(list, i), i]));
  const seen = new Set<string>();
  for (const item of after) {
    const key = itemKey(list, item);
    seen.add(key);
    const prev = old.get(key);
    if (prev === undefined) {
      addItem(list, item, changed);
      continue;
    }
    if (isPlainObject(item) && isPlainObject(prev)) {
      const c = new FieldSet();
      const r = new FieldSet();
      diffStruct(is, prev, item, c, r);
      if (!c.empty) changed.children.set(key, c);
      if (!r.empty) removed.children.set(key, r);
    } else if (!equal(item, prev)) changed.members.add(key);
  }
  for (const [key, prev] of old) {
    if (seen.has(key)) continue;
    removed.members.add(key);
    if (isPlainObject(prev)) addFields(is, prev, removed.child(key));
  }
}
