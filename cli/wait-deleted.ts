/** Wait until an object is gone: read it, then watch from that version for its DELETED event. */
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import type { ResourceInfo } from "../lib/kinds.js";
import type { KObject } from "../lib/types.js";

/** Resolves when the object (with this uid, if given) no longer exists; rejects after `timeoutMs` (0 = never). */
export async function waitDeleted(client: ApiClient, r: ResourceInfo, name: string, namespace: string | undefined, uid: string | undefined, timeoutMs = 0): Promise<void> {
  let live: KObject;
  try {
    live = await client.get(r.kind, name, namespace);
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  if (uid && live.metadata.uid && live.metadata.uid !== uid) return; // replaced by a new object of the same name
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const handle = client.watch(
      r.kind,
      { namespace: r.namespaced ? namespace : undefined, fieldSelector: `metadata.name=${name}`, resourceVersion: live.metadata.resourceVersion },
      (ev) => {
        if (ev.type === "DELETED" && ev.object.metadata.name === name) finish();
        else if (ev.type === "ERROR") finish(new Error((ev.object as { message?: string }).message ?? "watch failed"));
      },
    );
    function finish(err?: Error): void {
      if (timer) clearTimeout(timer);
      handle.stop();
      if (err) reject(err);
      else resolve();
    }
    if (timeoutMs > 0) timer = setTimeout(() => finish(new Error(`timed out waiting for the deletion of ${r.plural}/${name}`)), timeoutMs);
    handle.done.then(
      // the server closed the stream (timeout): check again
      () => waitDeleted(client, r, name, namespace, uid, 0).then(() => finish(), (e: Error) => finish(e)),
      (e: Error) => finish(e),
    );
  });
}
