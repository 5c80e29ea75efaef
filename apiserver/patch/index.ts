/** Apply any supported patch type. */
import { ApiError } from "../../lib/errors.js";
import type { Schema } from "../../lib/schema/schema.js";
import type { PatchKind } from "../request-body.js";
import { applyJsonPatch } from "./json-patch.js";
import { applyMergePatch } from "../../lib/json.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

/** The patched document (a new value); `schema` is the target kind's (strategic merge reads its list keys). */
export function applyPatch(kind: PatchKind, target: unknown, patch: unknown, schema?: Schema): unknown {
  switch (kind) {
    case "json":
      return applyJsonPatch(target, patch);
    case "merge":
      return applyMergePatch(target, patch);
    case "strategic":
      return applyStrategicMergePatch(target, patch, schema);
    case "apply":
      // Server-side apply is a merge of a configuration with ownership, not a diff (routes/apply.ts).
      throw new ApiError("UnsupportedMediaType", "apply patches are supported on objects and their status only");
  }
}
