/**
 * `metadata.managedFields`: who owns which field. Every write records its manager — the
 * `fieldManager` query parameter, else the client's User-Agent up to the first `/`, as
 * Kubernetes derives it — and server-side apply uses the record to merge, remove what a manager
 * stopped applying, and refuse (409) to change fields another manager owns unless forced.
 */
import { ApiError } from "../../lib/errors.js";
import { isPlainObject } from "../../lib/json.js";
import type { Schema } from "../../lib/schema/schema.js";
import { rfc3339 } from "../../lib/timestamps.js";
import { FieldSet, pathString } from "./field-set.js";
import { mergeApplied, removeFields } from "./apply.js";
import { changesBetween, fieldsOf } from "./object-fields.js";

type Obj = Record<string, unknown>;

/** One managedFields entry, decoded. */
export interface Entry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

/** Who is writing, and through which endpoint. */
export interface Writer {
  manager: string;
  apiVersion: string;
  /** "status" for the status subresource */
  subresource?: string;
}

/** The manager of a request: `fieldManager`, else the User-Agent's product name. */
export function managerOf(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager !== undefined && fieldManager !== "") {
    if (fieldManager.length > 128 || !/^[\x20-\x7e]+$/.test(fieldManager)) {
      throw new ApiError("BadRequest", `fieldManager: Invalid value: "${fieldManager.slice(0, 140)}": must be printable ASCII and at most 128 characters`);
    }
    return fieldManager;
  }
  const product = (userAgent ?? "").split("/")[0]!.trim().slice(0, 128);
  return product || "unknown";
}

/** Fields no manager owns: identity and server-set metadata, and apiVersion/kind. */
const SERVER_META = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"];

/** The part of a field set a writer can own: the status subresource owns status only, the main resource everything else. */
function scoped(set: FieldSet, subresource: string | undefined): FieldSet {
  set.members.delete("f:apiVersion");
  set.members.delete("f:kind");
  const meta = set.children.get("f:metadata");
  if (meta) {
    for (const f of SERVER_META) {
      meta.members.delete(`f:${f}`);
      meta.children.delete(`f:${f}`);
    }
    if (meta.empty) set.children.delete("f:metadata");
  }
  if (subresource === "status") {
    for (const k of [...set.members]) if (k !== "f:status") set.members.delete(k);
    for (const k of [...set.children.keys()]) if (k !== "f:status") set.children.delete(k);
  } else {
    set.members.delete("f:status");
    set.children.delete("f:status");
  }
  return set;
}

/** Decode an object's managedFields; a malformed entry is a 400 naming it. */
export function decodeEntries(raw: unknown): Entry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badEntry("metadata.managedFields", "must be a list");
  return raw.map((e, i) => {
    const where = `metadata.managedFields[${i}]`;
    if (!isPlainObject(e)) throw badEntry(where, "must be an object");
    if (typeof e.manager !== "string") throw badEntry(`${where}.manager`, "must be a string");
    if (e.operation !== "Apply" && e.operation !== "Update") throw badEntry(`${where}.operation`, `must be Apply or Update, not ${JSON.stringify(e.operation)}`);
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") throw badEntry(`${where}.fieldsType`, `must be FieldsV1, not ${JSON.stringify(e.fieldsType)}`);
    let fields: FieldSet;
    try {
      fields = FieldSet.fromJSON(e.fieldsV1 ?? {}, `${where}.fieldsV1`);
    } catch (err) {
      throw new ApiError("BadRequest", `invalid managedFields: ${(err as Error).message}`);
    }
    const entry: Entry = { manager: e.manager, operation: e.operation, apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "", fields };
    if (typeof e.time === "string") entry.time = e.time;
    if (typeof e.subresource === "string" && e.subresource) entry.subresource = e.subresource;
    return entry;
  });
}

const badEntry = (field: string, why: string) => new ApiError("BadRequest", `invalid managedFields: ${field}: ${why}`);

/** Encode entries for the object (empty ones dropped). */
export function encodeEntries(entries: Entry[]): Obj[] {
  return entries
    .filter((e) => !e.fields.empty)
    .map((e) => {
      const o: Obj = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
      if (e.time) o.time = e.time;
      o.fieldsType = "FieldsV1";
      o.fieldsV1 = e.fields.toJSON();
      if (e.subresource) o.subresource = e.subresource;
      return o;
    });
}

const sameWriter = (e: Entry, w: Writer, op: Entry["operation"]) => e.manager === w.manager && e.operation === op && (e.subresource ?? "") === (w.subresource ?? "");

const metaOf = (o: Obj): Obj => {
  if (!isPlainObject(o.metadata)) o.metadata = {};
  return o.metadata as Obj;
};

/**
 * Record a create, update or patch (`before` undefined for a create) in `after`'s managedFields:
 * the writer's Update entry gains what changed, others lose it, and removed fields go from
 * everyone. managedFields the request itself changed are taken as given (validated), as
 * Kubernetes does: that is how clients migrate ownership; an empty list clears them.
 */
export function recordUpdate(schema: Schema, before: Obj | undefined, after: Obj, w: Writer, now: Date): void {
  const prevRaw = before ? (before.metadata as Obj | undefined)?.managedFields : undefined;
  const meta = metaOf(after);
  const given = meta.managedFields;
  if (given !== undefined && JSON.stringify(given) !== JSON.stringify(prevRaw ?? null)) {
    const entries = decodeEntries(given);
    if (entries.length) meta.managedFields = encodeEntries(entries);
    else delete meta.managedFields;
    return;
  }
  // Compare only the part this writer can own (status for the status subresource, the rest
  // otherwise), and decode the record only when something changed: most status writes of a busy
  // node change a few fields of a large object.
  const part = (o: Obj | undefined): Obj => {
    if (!o) return {};
    if (w.subresource === "status") return { status: o.status };
    const { status: _s, metadata, ...rest } = o;
    if (!isPlainObject(metadata)) return rest;
    const { managedFields: _m, ...meta } = metadata;
    return { ...rest, metadata: meta };
  };
  const { changed, removed } = changesBetween(schema, part(before), part(after));
  const mine = scoped(changed, w.subresource);
  const gone = scoped(removed, w.subresource);
  if (mine.empty && gone.empty) return restore(meta, prevRaw);
  const entries = decodeEntries(prevRaw);
  const next: Entry[] = [];
  let own: Entry | undefined;
  for (const e of entries) {
    const fields = e.fields.difference(mine).difference(gone);
    if (sameWriter(e, w, "Update")) own = { ...e, fields: fields.union(mine), apiVersion: w.apiVersion, time: rfc3339(now) };
    else next.push({ ...e, fields });
  }
  next.push(own ?? { manager: w.manager, operation: "Update", apiVersion: w.apiVersion, time: rfc3339(now), ...(w.subresource ? { subresource: w.subresource } : {}), fields: mine });
  const encoded = encodeEntries(next);
  if (encoded.length) meta.managedFields = encoded;
  else delete meta.managedFields;
}

function restore(meta: Obj, prev: unknown): void {
  if (prev === undefined) delete meta.managedFields;
  else meta.managedFields = prev;
}

/** One field another manager owns with a different value. */
interface Conflict {
  entry: Entry;
  path: string[];
}

/** Kubernetes' way of naming a manager in a conflict. */
function managerName(e: Entry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion}`;
  return s;
}

function conflictError(conflicts: Conflict[]): ApiError {
  const n = conflicts.length;
  let text: string;
  if (n === 1) text = `conflict with ${managerName(conflicts[0]!.entry)}: ${pathString(conflicts[0]!.path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(managerName(c.entry), [...(byManager.get(managerName(c.entry)) ?? []), pathString(c.path)]);
    text = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]).join("\n");
  }
  return new ApiError("Conflict", `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: ${text}`, {
    causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${managerName(c.entry)}`, field: pathString(c.path) })),
  });
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
/** The manager kubectl's server-side apply uses, which Kubernetes lets take over client-side applied fields. */
const KUBECTL = "kubectl";

/**
 * Server-side apply of `applied` (a decoded apply configuration) onto `live` (undefined: the
 * object does not exist yet). Returns the object to write, managedFields included; throws a
 * 409 naming each conflicting manager and field unless `force`, which takes them over.
 */
export function applyConfiguration(schema: Schema, live: Obj | undefined, applied: Obj, w: Writer, force: boolean, now: Date): Obj {
  const entries = decodeEntries(live ? (live.metadata as Obj | undefined)?.managedFields : undefined);
  const config = structuredClone(applied);
  delete metaOf(config).managedFields;
  const mine = scoped(fieldsOf(schema, config), w.subresource);
  // A create is the configuration itself, and there is nobody to conflict with.
  const merged = live ? (mergeApplied(schema, live, config) as Obj) : config;
  // A conflict is a field another manager owns that this apply changes (structured-merge-diff's
  // rule): applying the value it already has makes the field shared, not contested.
  const touched = entries.length ? touchedBy(schema, live, merged, w.subresource) : new FieldSet();
  const conflicts: Conflict[] = [];
  const others: Entry[] = [];
  let previous: Entry | undefined;
  for (const e of entries) {
    if (sameWriter(e, w, "Apply")) {
      previous = e;
      continue;
    }
    others.push(e);
    for (const path of e.fields.intersection(touched).paths()) conflicts.push({ entry: e, path });
  }
  if (conflicts.length && !force) {
    const left = w.manager === KUBECTL ? withoutClientSideApplied(schema, live, conflicts) : conflicts;
    if (left.length) throw conflictError(left);
  }
  for (const c of conflicts) c.entry.fields = removePath(c.entry.fields, c.path);
  const ownedByOthers = others.reduce((acc, e) => acc.union(e.fields), new FieldSet());
  if (previous) removeFields(schema, merged, previous.fields.difference(mine).difference(ownedByOthers));
  // kubectl's server-side apply keeps an existing client-side annotation in step, so that a later
  // client-side apply computes its patch from what was last applied (Kubernetes' lastAppliedUpdater).
  const annotations = metaOf(merged).annotations;
  if (w.manager === KUBECTL && isPlainObject(annotations) && typeof annotations[LAST_APPLIED] === "string") {
    const recorded = structuredClone(applied);
    const ann = metaOf(recorded).annotations;
    if (isPlainObject(ann)) delete ann[LAST_APPLIED];
    annotations[LAST_APPLIED] = `${JSON.stringify(recorded)}\n`;
  }
  const next = [...others, { manager: w.manager, operation: "Apply" as const, apiVersion: w.apiVersion, time: rfc3339(now), ...(w.subresource ? { subresource: w.subresource } : {}), fields: mine }];
  const encoded = encodeEntries(next);
  if (encoded.length) metaOf(merged).managedFields = encoded;
  else delete metaOf(merged).managedFields;
  return merged;
}

/**
 * Moving from client-side to server-side apply (Kubernetes' lastAppliedManager): for the
 * manager `kubectl`, conflicts on fields the object's last-applied annotation lists are the
 * same user's own earlier applies, and are taken over; the rest still conflict.
 */
function withoutClientSideApplied(schema: Schema, live: Obj | undefined, conflicts: Conflict[]): Conflict[] {
  const ann = live && isPlainObject(live.metadata) && isPlainObject(live.metadata.annotations) ? live.metadata.annotations[LAST_APPLIED] : undefined;
  if (typeof ann !== "string") return conflicts;
  let last: unknown;
  try {
    last = JSON.parse(ann);
  } catch {
    return conflicts;
  }
  const allowed = fieldsOf(schema, last);
  return conflicts.filter((c) => !allowed.has(c.path));
}

function touchedBy(schema: Schema, live: Obj | undefined, merged: Obj, subresource: string | undefined): FieldSet {
  const { changed, removed } = changesBetween(schema, live, merged);
  return scoped(changed.union(removed), subresource);
}

function removePath(set: FieldSet, path: string[]): FieldSet {
  const one = new FieldSet();
  one.add(path);
  return set.difference(one);
}
