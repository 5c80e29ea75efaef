/** `--sort-by=.metadata.name`: order objects by a JSONPath value (numbers numerically). */
import type { KObject } from "../../lib/types.js";
import { evaluatePath } from "./jsonpath.js";

function key(o: KObject, path: string): unknown {
  return evaluatePath(path, o)[0];
}

function compare(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = typeof a === "string" ? a : JSON.stringify(a);
  const sb = typeof b === "string" ? b : JSON.stringify(b);
  const ta = Date.parse(sa);
  const tb = Date.parse(sb);
  if (/^\d{4}-\d\d-\d\dT/.test(sa) && /^\d{4}-\d\d-\d\dT/.test(sb) && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A sorted copy (stable). */
export function sortObjects(objs: KObject[], path: string): KObject[] {
  const keyed = objs.map((o, i) => ({ o, i, k: key(o, path) }));
  keyed.sort((x, y) => compare(x.k, y.k) || x.i - y.i);
  return keyed.map((x) => x.o);
}
