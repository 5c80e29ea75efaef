/**
 * Kubernetes' strategic merge patch, driven by the kind's schema (lib/schema): maps merge like a
 * merge patch; a list whose schema has `x-kubernetes-patch-strategy: merge` merges element by
 * element on its `x-kubernetes-patch-merge-key` (containers by `name`, container ports by
 * `containerPort`, service ports by `port`), or as a set for primitive lists (finalizers); every
 * other list is replaced. The `$patch: delete|replace`, `$setElementOrder/<list>`, `$retainKeys`
 * and `$deleteFromPrimitiveList/<list>` directives are understood.
 */

import { isPlainObject } from "../../lib/json.js";
import { fieldSchema, itemSchema, resolve } from "../../lib/schema/index.js";
import type { Schema } from "../../lib/schema/schema.js";

/** How a list merges: by this key, as a set of primitives, or not at all (replaced). */
type ListMerge = { key: string } | "set" | undefined;

function listMerge(list: Schema | undefined): ListMerge {
  const r = resolve(list);
  if (!r || !(r["x-kubernetes-patch-strategy"] ?? "").split(",").includes("merge")) return undefined;
  const key = r["x-kubernetes-patch-merge-key"];
  return key ? { key } : "set";
}

const isObject = isPlainObject;

/** Apply a strategic merge patch to an object of the kind `schema` describes; returns a new value. */
export function applyStrategicMergePatch(target: unknown, patch: unknown, schema: Schema | undefined): unknown {
  return mergeValue(target, patch, schema);
}

function mergeValue(target: unknown, patch: unknown, s: Schema | undefined): unknown {
  if (isObject(patch)) return mergeMap(isObject(target) ? target : {}, patch, s);
  if (Array.isArray(patch)) return mergeList(Array.isArray(target) ? target : [], patch, s);
  return patch;
}

function mergeMap(target: Record<string, unknown>, patch: Record<string, unknown>, s: Schema | undefined): Record<string, unknown> {
  if (patch.$patch === "replace") {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest) as Record<string, unknown>;
  }
  if (patch.$patch === "delete") return {};
  let out: Record<string, unknown> = { ...target };
  const retain = Array.isArray(patch.$retainKeys) ? new Set(patch.$retainKeys.map(String)) : undefined;
  if (retain) out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.has(k)));
  const orders: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "__proto__" || k === "$retainKeys" || k === "$patch") continue;
    if (k.startsWith("$setElementOrder/")) {
      if (Array.isArray(v)) orders[k.slice("$setElementOrder/".length)] = v;
      continue;
    }
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const f = k.slice("$deleteFromPrimitiveList/".length);
      const del = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[f])) out[f] = (out[f] as unknown[]).filter((x) => !del.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v, fieldSchema(s, k));
  }
  for (const [f, order] of Object.entries(orders)) {
    const how = listMerge(fieldSchema(s, f));
    if (Array.isArray(out[f])) out[f] = reorder(out[f] as unknown[], order, typeof how === "object" ? how.key : undefined);
  }
  return out;
}

function mergeList(target: unknown[], patch: unknown[], list: Schema | undefined): unknown[] {
  const how = listMerge(list);
  if (how === "set" && !patch.some(isObject)) {
    const have = new Set(target.map((x) => JSON.stringify(x)));
    return [...target, ...patch.filter((x) => !have.has(JSON.stringify(x)))];
  }
  const key = typeof how === "object" ? how.key : undefined;
  if (!key || !patch.every(isObject)) return stripDirectives(patch) as unknown[];
  if (patch.some((p) => isObject(p) && p.$patch === "replace")) return stripDirectives(patch.filter((p) => !(isObject(p) && p.$patch === "replace"))) as unknown[];
  const out = target.map((t) => t);
  for (const p of patch as Record<string, unknown>[]) {
    const id = p[key];
    const i = out.findIndex((t) => isObject(t) && t[key] === id);
    if (p.$patch === "delete") {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = mergeMap(out[i] as Record<string, unknown>, p, itemSchema(list));
    else out.push(stripDirectives(p));
  }
  return out;
}

function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown) => (key && isObject(x) ? JSON.stringify(x[key]) : JSON.stringify(x));
  const pos = new Map(order.map((o, i) => [id(o), i]));
  return [...list].sort((a, b) => (pos.get(id(a)) ?? Infinity) - (pos.get(id(b)) ?? Infinity));
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$") && k !== "__proto__") out[k] = stripDirectives(x);
  return out;
}
