/**
 * Removing one finalizer from a live object, as every holder of a finalizer must: read the
 * object from the API server (a cached copy may lack another holder's removal, and writing its
 * list back would re-add a finalizer, which the server refuses on a deleting object), write the
 * list without ours under the read's resourceVersion, and try again on a conflict.
 */
import type { ApiClient } from "./client.js";
import { isConflict, isNotFound } from "./errors.js";
import type { KObject } from "./types.js";

/** Drop `finalizer` from `kind` `name`; true once it is gone (or the object is). Gives up after `attempts` conflicts. */
export async function removeFinalizer(client: Pick<ApiClient, "get" | "update">, kind: string, name: string, namespace: string | undefined, finalizer: string, attempts = 5): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    let live: KObject;
    try {
      live = await client.get<KObject>(kind, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
    const finalizers = live.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return true;
    try {
      await client.update<KObject>({ ...live, metadata: { ...live.metadata, finalizers: finalizers.filter((f) => f !== finalizer) } });
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      if (!isConflict(err)) throw err;
    }
  }
  return false;
}
