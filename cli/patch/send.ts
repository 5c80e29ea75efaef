/**
 * Send one patch the way kubectl's patch and edit do: read the object (or its status/scale),
 * PATCH it with the patch type's content type, and tell whether anything changed by comparing
 * the object before and after (resourceVersion and managedFields aside: a no-op is "no change").
 */
import type { ApiClient, PatchType } from "../../lib/client.js";
import { objectPath } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import { stableStringify } from "../apply/merge.js";
import type { ObjectArg } from "../object-arg.js";

const CONTENT_TYPES: Record<PatchType, string> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
};

/** What a patch request needs besides the object and the patch. */
export interface PatchRequest {
  namespace: string;
  type: PatchType;
  subresource?: "status" | "scale";
  dryRun?: boolean;
  fieldManager: string;
}

/** The patched object, and whether the patch changed it. */
export interface PatchResult {
  obj: KObject;
  changed: boolean;
}

function comparable(obj: KObject): string {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = (obj.metadata ?? {}) as Record<string, unknown>;
  return stableStringify({ ...obj, metadata: meta });
}

/** GET, then PATCH; errors are the server's (NotFound, Invalid, BadRequest...). */
export async function sendPatch(client: ApiClient, target: ObjectArg, patch: unknown, req: PatchRequest): Promise<PatchResult> {
  const ns = target.resource.namespaced ? req.namespace : undefined;
  const path = objectPath(target.resource, ns, target.name, req.subresource);
  // kubectl reads the object first (its resource builder does): a missing object is NotFound
  // before any patch is sent, and the copy tells "patched" from "patched (no change)".
  const before = await client.request<KObject>("GET", path);
  const after = await client.request<KObject>("PATCH", path, {
    body: patch,
    contentType: CONTENT_TYPES[req.type],
    query: { fieldManager: req.fieldManager, dryRun: req.dryRun ? "All" : undefined },
  });
  return { obj: after, changed: comparable(before) !== comparable(after) };
}
