/**
 * The two-way JSON merge patch (RFC 7386) that turns `original` into `modified`: maps are
 * compared key by key (a removed key becomes null), anything else that differs is sent whole.
 * Lists are sent whole, so a container removed in the editor is removed on the server too.
 */
import { deepEqual, isPlainObject } from "../../lib/json.js";

/** The merge patch from `original` to `modified` (`{}` when they are equal). */
export function createMergePatch(original: Record<string, unknown>, modified: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(original)) if (!(k in modified)) patch[k] = null;
  for (const [k, v] of Object.entries(modified)) {
    const before = original[k];
    if (deepEqual(before, v)) continue;
    // a null in the edited file cannot be said in a merge patch (it means "delete"): drop the key
    if (isPlainObject(before) && isPlainObject(v)) {
      const sub = createMergePatch(before, v);
      if (Object.keys(sub).length) patch[k] = sub;
    } else patch[k] = v;
  }
  return patch;
}
