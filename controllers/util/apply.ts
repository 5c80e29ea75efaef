/** Small write helpers shared by the controllers' apply steps. */
import type { ApiClient } from "../../lib/client.js";
import { isNotFound } from "../../lib/errors.js";
import type { KObject, OwnerReference } from "../../lib/types.js";

/**
 * Set `ref` as an owner of `obj` (adoption). The resourceVersion precondition makes it fail with
 * a Conflict if the object changed since we looked, so we never adopt something that no longer
 * matches.
 */
export async function addOwnerRef(client: ApiClient, obj: KObject, ref: OwnerReference): Promise<void> {
  const refs = [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  await client.patch(obj.kind, obj.metadata.name ?? "", { metadata: { ownerReferences: refs, resourceVersion: obj.metadata.resourceVersion } }, { namespace: obj.metadata.namespace });
}

/** Remove the owner references with these uids from `obj` (release, orphaning). NotFound is fine. */
export async function removeOwnerRefs(client: ApiClient, obj: KObject, uids: readonly string[]): Promise<void> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
  try {
    await client.patch(obj.kind, obj.metadata.name ?? "", { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: obj.metadata.resourceVersion } }, { namespace: obj.metadata.namespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The message of an error, for events. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
