/**
 * The node's half of local-path volumes: when a provisioned volume pinned to this node is being
 * deleted (reclaim policy Delete, its claim gone), remove its directory, then the
 * `kctl.io/local-path-cleanup` finalizer that held the volume. Only directories under this
 * node's storage directory are ever removed, whatever a volume's path says.
 *
 *   PersistentVolume informer ──deleting, ours, finalizer held──► rm -r <storage>/pvc-... ──► drop finalizer
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import { removeFinalizer } from "../lib/finalizers.js";
import { Informer } from "../lib/informer.js";
import type { Logger } from "../lib/logger.js";
import { LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION, volumeAllowsNode } from "../lib/storage.js";
import type { PersistentVolume } from "../lib/types.js";

/** Is `pv` a local-path volume of `node` waiting for its directory to be removed? */
export function needsCleanup(pv: PersistentVolume, node: string): boolean {
  return (
    Boolean(pv.metadata.deletionTimestamp) &&
    (pv.metadata.finalizers ?? []).includes(LOCAL_PATH_CLEANUP_FINALIZER) &&
    pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER &&
    Boolean(pv.spec.nodeAffinity) &&
    volumeAllowsNode(pv, { metadata: { name: node } })
  );
}

/** The directory to remove, or undefined when the volume's path is not inside `storageDir`. */
export function cleanupTarget(pv: PersistentVolume, storageDir: string): string | undefined {
  const p = pv.spec.hostPath?.path ?? pv.spec.local?.path;
  if (!p) return undefined;
  const resolved = path.resolve(p);
  return resolved.startsWith(path.resolve(storageDir) + path.sep) ? resolved : undefined;
}

/** Delay before a failed cleanup is tried again. */
const RETRY_MS = 1000;

export interface LocalPathCleaner {
  stop(): Promise<void>;
}

/** Watch volumes and clean up this node's deleted local-path volumes. */
export function startLocalPathCleanup(client: ApiClient, node: string, storageDir: string, logger: Logger): LocalPathCleaner {
  const log = logger.child({ component: "local-path-cleanup" });
  const informer = new Informer<PersistentVolume>(client, "PersistentVolume", { logger: log });
  const busy = new Set<string>();
  const retries = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  const handle = (pv: PersistentVolume): void => {
    const name = pv.metadata.name ?? "";
    if (stopped || !needsCleanup(pv, node) || busy.has(name)) return;
    busy.add(name);
    void clean(pv).then((done) => {
      busy.delete(name);
      // A failed attempt is retried from the cache's latest copy, not only on the next change.
      if (!done && !stopped && !retries.has(name)) {
        retries.set(name, setTimeout(() => {
          retries.delete(name);
          const latest = informer.get(name);
          if (latest) handle(latest);
        }, RETRY_MS));
      }
    });
  };
  /** True when the volume is cleaned up (or gone). */
  async function clean(pv: PersistentVolume): Promise<boolean> {
    const name = pv.metadata.name ?? "";
    const dir = cleanupTarget(pv, storageDir);
    try {
      if (dir) await fs.rm(dir, { recursive: true, force: true });
      else log.warn({ volume: name, path: pv.spec.hostPath?.path ?? pv.spec.local?.path, storageDir }, "volume path is outside this node's storage directory: left in place");
      if (!(await removeFinalizer(client, "PersistentVolume", name, undefined, LOCAL_PATH_CLEANUP_FINALIZER))) return false;
      log.info({ volume: name, dir }, "removed the local-path volume's directory");
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      log.warn({ volume: name, err: (err as Error).message }, "local-path cleanup failed; will retry");
      return false;
    }
  }
  informer.addEventHandler({ onAdd: handle, onUpdate: (_o, pv) => handle(pv) });
  informer.start();
  return {
    stop: async () => {
      stopped = true;
      for (const t of retries.values()) clearTimeout(t);
      retries.clear();
      await informer.stop();
    },
  };
}
