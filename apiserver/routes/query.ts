/**
 * Query-string parsing for list, watch and delete requests. Every parameter a handler reads is
 * validated here, before anything is written to the response (a watch hijacks its reply only
 * after this), so a bad value is always a 400 Status and never a stream that hangs.
 */
import { badRequest } from "../../lib/errors.js";
import { parseFieldSelector, parseSelector } from "../../lib/selector.js";
import type { DeleteOptions } from "../registry.js";
import type { WatchFilter } from "../watch/watcher.js";
import { isRecord } from "../validation/field-errors.js";

export type Query = Record<string, string | string[] | undefined>;

/** The single value of a query parameter (the first when repeated). */
export function qp(q: Query, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The name a list or watch selects with `fieldSelector=metadata.name=X` (also `==`), as
 * Kubernetes' RequestInfo takes it: the authorizer then judges the request as one on that object,
 * which is how a kubelet may watch the one Secret its pod uses. A selector that does not parse
 * names nothing (the handler answers its 400).
 */
export function selectedName(q: Query): string | undefined {
  let reqs;
  try {
    reqs = parseFieldSelector(qp(q, "fieldSelector") ?? "");
  } catch {
    return undefined;
  }
  const r = reqs.find((x) => x.field === "metadata.name" && (x.operator === "=" || x.operator === "=="));
  return r?.value || undefined;
}

/** Go's strconv.ParseBool spellings, which Kubernetes accepts for boolean query parameters. */
const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** A boolean parameter: absent or "" is false; anything but ParseBool's spellings is a 400. */
export function boolParam(q: Query, name: string): boolean {
  const v = qp(q, name);
  if (v === undefined || v === "" || FALSE.has(v)) return false;
  if (TRUE.has(v)) return true;
  throw badRequest(`invalid value for ${name}: "${clip(v)}": must be true or false`);
}

/** Lenient truth, for places that only ask "was this set to true?" after validation. */
export function isTrue(v: string | undefined): boolean {
  return v !== undefined && TRUE.has(v);
}

/** A non-negative integer parameter (digits only, within int64's safe range in JS), or undefined. */
export function countParam(q: Query, name: string): number | undefined {
  const v = qp(q, name);
  if (v === undefined || v === "") return undefined;
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid value for ${name}: "${clip(v)}": must be a non-negative integer`);
  return n;
}

/** The longest watch a client may ask for; also keeps every timer inside Node's 32-bit range. */
export const MAX_WATCH_TIMEOUT_SECONDS = 24 * 3600;

/** What a list or watch asks for, beyond its selection. */
export interface ListOptions {
  /** undefined for "" and "0" (= any) */
  resourceVersion: number | undefined;
  resourceVersionMatch: "" | "NotOlderThan" | "Exact";
  limit: number | undefined;
  continueToken: string | undefined;
  allowWatchBookmarks: boolean;
  /** clamped to MAX_WATCH_TIMEOUT_SECONDS; undefined: no timeout */
  timeoutSeconds: number | undefined;
}

/** Validate the list/watch parameters (400 naming the parameter on any bad value). */
export function parseListOptions(q: Query): ListOptions {
  const rvText = qp(q, "resourceVersion");
  const resourceVersion = parseResourceVersion(rvText);
  const match = qp(q, "resourceVersionMatch") ?? "";
  if (match !== "" && match !== "NotOlderThan" && match !== "Exact") {
    throw badRequest(`invalid value for resourceVersionMatch: "${clip(match)}": supported values: "NotOlderThan", "Exact"`);
  }
  if (match !== "" && (rvText === undefined || rvText === "")) throw badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
  const timeout = countParam(q, "timeoutSeconds");
  boolParam(q, "watch");
  return {
    resourceVersion,
    resourceVersionMatch: match,
    limit: countParam(q, "limit"),
    continueToken: qp(q, "continue") || undefined,
    allowWatchBookmarks: boolParam(q, "allowWatchBookmarks"),
    timeoutSeconds: timeout === undefined || timeout === 0 ? undefined : Math.min(timeout, MAX_WATCH_TIMEOUT_SECONDS),
  };
}

function clip(v: string): string {
  return v.length > 64 ? `${v.slice(0, 64)}...` : v;
}

/** The label + field selection of a list or watch; 400 on a malformed selector. */
export function parseFilter(q: Query, namespace: string | undefined, name?: string): WatchFilter {
  try {
    const fields = [...parseFieldSelector(qp(q, "fieldSelector") ?? "")];
    if (name !== undefined) fields.push({ field: "metadata.name", operator: "=", value: name, path: ["metadata", "name"] });
    return { namespace, labels: parseSelector(qp(q, "labelSelector") ?? ""), fields };
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

/** A resourceVersion query parameter: undefined for "" and "0" (= "any"), else the number. */
export function parseResourceVersion(v: string | undefined): number | undefined {
  if (v === undefined || v === "" || v === "0") return undefined;
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`invalid resourceVersion "${clip(v)}": must be a non-negative integer`);
  return n;
}

/** DeleteOptions from a body and/or the query (query wins, as kubectl sends either). */
export function parseDeleteOptions(body: unknown, q: Query): DeleteOptions {
  const o: DeleteOptions = {};
  if (isRecord(body)) {
    if (body.propagationPolicy !== undefined) o.propagationPolicy = checkPolicy(String(body.propagationPolicy));
    if (body.orphanDependents === true) o.propagationPolicy = "Orphan";
    if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) o.gracePeriodSeconds = checkGrace(Number(body.gracePeriodSeconds));
    if (isRecord(body.preconditions)) {
      const p = body.preconditions;
      o.preconditions = {
        uid: typeof p.uid === "string" ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === "string" ? p.resourceVersion : undefined,
      };
    }
  }
  const policy = qp(q, "propagationPolicy");
  if (policy) o.propagationPolicy = checkPolicy(policy);
  const grace = countParam(q, "gracePeriodSeconds");
  if (grace !== undefined) o.gracePeriodSeconds = grace;
  boolParam(q, "orphanDependents");
  return o;
}

function checkPolicy(p: string): DeleteOptions["propagationPolicy"] {
  if (p !== "Background" && p !== "Foreground" && p !== "Orphan") throw badRequest(`invalid propagationPolicy "${p}": must be Background, Foreground or Orphan`);
  return p;
}

function checkGrace(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest("gracePeriodSeconds must be a non-negative integer");
  return n;
}
