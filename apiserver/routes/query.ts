/** Query-string parsing for list, watch and delete requests. */
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

export function isTrue(v: string | undefined): boolean {
  return v === "true" || v === "1";
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
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resourceVersion "${v}"`);
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
  const grace = qp(q, "gracePeriodSeconds");
  if (grace !== undefined && grace !== "") o.gracePeriodSeconds = checkGrace(Number(grace));
  return o;
}

function checkPolicy(p: string): DeleteOptions["propagationPolicy"] {
  if (p !== "Background" && p !== "Foreground" && p !== "Orphan") throw badRequest(`invalid propagationPolicy "${p}": must be Background, Foreground or Orphan`);
  return p;
}

function checkGrace(n: number): number {
  if (!Number.isFinite(n)) throw badRequest("gracePeriodSeconds must be a number");
  return Math.max(0, Math.floor(n));
}
