/**
 * Client-side apply's three-way merge, computed as a JSON merge patch (RFC 7396).
 *
 * - original: the last-applied configuration (what the user's file said last time)
 * - modified: what the user's file says now
 * - current:  the live object
 *
 * The patch sets every field the file sets that differs from the live object, and deletes
 * (null) every field the file set last time but no longer sets. Fields the file never set
 * (status, `spec.replicas` changed by `kctl scale`, server defaults) are left alone.
 *
 * Lists cannot be partially patched with a merge patch, so a list the file sets is sent whole,
 * but computed like a strategic merge: items are matched by merge key (`name`, `containerPort`,
 * `port`, else position), each item keeps the live fields the file never set (defaulted
 * `protocol`, allocated `nodePort`, `imagePullPolicy`), and a list that already matches is not
 * sent at all, so re-applying the same file yields an empty patch.
 */

import { applyMergePatch, deepEqual, isPlainObject } from "../../lib/json.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Is v a JSON object (not null, not an array)? */
export function isObject(v: unknown): v is JsonObject {
  return isPlainObject(v);
}

/** JSON with object keys sorted at every level: the stable form stored in the annotation. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => stableStringify(x === undefined ? null : x)).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}


type KeyFn = (item: JsonObject, index: number) => string;

function mergeKeyFor(items: Json[]): KeyFn {
  const all = (f: string) => items.every((i) => isObject(i) && (typeof i[f] === "string" || typeof i[f] === "number"));
  if (items.length && all("name")) return (i) => `name=${String(i.name)}`;
  if (items.length && all("containerPort")) return (i) => `cp=${String(i.containerPort)}/${String(i.protocol ?? "TCP")}`;
  if (items.length && all("port")) return (i) => `p=${String(i.port)}/${String(i.protocol ?? "TCP")}`;
  if (items.length && all("ip")) return (i) => `ip=${String(i.ip)}`;
  return (_i, idx) => `#${idx}`;
}

/** The list to send for a list field (see the module comment). */
export function mergeList(original: Json | undefined, modified: Json[], current: Json[]): Json[] {
  if (!modified.every(isObject)) return modified;
  const key = mergeKeyFor(modified);
  const index = (list: Json[] | undefined) => {
    const m = new Map<string, JsonObject>();
    (list ?? []).forEach((item, i) => {
      if (isObject(item)) m.set(key(item, i), item);
    });
    return m;
  };
  const cur = index(current);
  const orig = index(Array.isArray(original) ? original : undefined);
  return modified.map((item, i) => {
    const m = item as JsonObject;
    const k = key(m, i);
    const c = cur.get(k);
    if (!c) return stripNulls(m);
    const patch = threeWayMergePatch(orig.get(k), m, c);
    return applyMergePatch(c, patch) as Json;
  });
}

function stripNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

/**
 * The merge patch turning `current` into what the user wants, given what they applied last time.
 * An empty object means nothing to do.
 */
export function threeWayMergePatch(original: Json | undefined, modified: JsonObject, current: Json | undefined): JsonObject {
  const cur = isObject(current) ? current : {};
  const orig = isObject(original) ? original : {};
  const patch: JsonObject = {};
  for (const [k, m] of Object.entries(modified)) {
    const c = cur[k];
    if (m === null) {
      // null in the file and null live (a generated `creationTimestamp: null` stored with the
      // pod template) are the same: deleting it would change the template and roll out
      if (c !== undefined && c !== null) patch[k] = null;
      continue;
    }
    if (isObject(m) && isObject(c)) {
      const sub = threeWayMergePatch(orig[k], m, c);
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (Array.isArray(m) && Array.isArray(c)) {
      const merged = mergeList(orig[k], m, c);
      if (!deepEqual(merged, c)) patch[k] = merged;
    } else if (!deepEqual(m, c)) {
      patch[k] = stripNulls(m);
    }
  }
  for (const k of Object.keys(orig)) {
    if (!(k in modified) && cur[k] !== undefined) patch[k] = null;
  }
  return patch;
}
