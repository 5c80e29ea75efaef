/**
 * A practical subset of Kubernetes' strategic merge patch, enough for `kubectl apply` and
 * `kubectl patch` on the built-in kinds: maps merge like a merge patch; lists of objects with a
 * known merge key (containers by `name`, ports by `containerPort`, ...) merge element by element;
 * the `$patch: delete|replace`, `$setElementOrder/<list>`, `$retainKeys` and
 * `$deleteFromPrimitiveList/<list>` directives are understood. Other lists are replaced, as in a
 * merge patch. Kubernetes drives this from Go struct tags; we use a table of field names.
 */

import { isPlainObject } from "../../lib/json.js";

const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  env: "name",
  volumes: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  ports: "containerPort",
  imagePullSecrets: "name",
  conditions: "type",
  hostAliases: "ip",
  topologySpreadConstraints: "topologyKey",
  ownerReferences: "uid",
  taints: "key",
  addresses: "type",
  containerStatuses: "name",
};

/** Service ports merge by `port` (container ports by `containerPort`). */
function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  const k = MERGE_KEYS[field];
  if (field === "ports" && items.some((i) => isObject(i) && "port" in i && !("containerPort" in i))) return "port";
  return k;
}

const isObject = isPlainObject;

/** Apply a strategic merge patch; returns a new value. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  return mergeValue(target, patch, "");
}

function mergeValue(target: unknown, patch: unknown, field: string): unknown {
  if (isObject(patch)) return mergeMap(isObject(target) ? target : {}, patch);
  if (Array.isArray(patch)) return mergeList(Array.isArray(target) ? target : [], patch, field);
  return patch;
}

function mergeMap(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
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
    else out[k] = mergeValue(out[k], v, k);
  }
  for (const [f, order] of Object.entries(orders)) {
    if (Array.isArray(out[f])) out[f] = reorder(out[f] as unknown[], order, mergeKeyFor(f, out[f] as unknown[]));
  }
  return out;
}

function mergeList(target: unknown[], patch: unknown[], field: string): unknown[] {
  const key = mergeKeyFor(field, [...target, ...patch]);
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
    if (i >= 0) out[i] = mergeMap(out[i] as Record<string, unknown>, p);
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
