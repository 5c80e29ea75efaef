/**
 * One informer per kind for a whole process (Kubernetes' SharedInformerFactory): every component
 * asks for the kinds it needs, starts them and waits for their first lists. `kctl server` creates
 * one factory on one client and hands it to the controller manager and the scheduler, so each
 * kind (10,000 pods, say) is listed, watched and cached once per process, not once per component.
 * A component run alone creates its own.
 *
 * ```
 *   kctl server ──► SharedInformers(client) ──┬──► controller manager  (get("Pod"), get("Node"), ...)
 *                                             └──► scheduler           (get("Pod"), get("Node"))
 *                   one Informer per kind ◄── handlers of both; stopped by whoever created the factory
 * ```
 */
import type { ListWatchClient } from "./informer.js";
import { Informer, namespaceIndex } from "./informer.js";
import type { Logger } from "./logger.js";
import type { KObject } from "./types.js";

/** Index names every informer of the factory has. */
export const BY_NAMESPACE = "namespace";
/** Objects by controller owner uid. */
export const BY_CONTROLLER = "controller";
/** Objects with no controller owner, by namespace (adoption candidates). */
export const ORPHANS_BY_NAMESPACE = "orphans";
/** Objects by the uid of each owner (the GC's dependents). */
export const BY_OWNER = "owner";
/** Objects by their own uid (the GC's "does this owner exist" check). */
export const BY_UID = "uid";

function controllerUid(obj: KObject): string[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? [ref.uid] : [];
}

function orphanNamespace(obj: KObject): string[] {
  return obj.metadata.ownerReferences?.some((r) => r.controller) ? [] : [obj.metadata.namespace ?? ""];
}

function ownerUids(obj: KObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
}

function ownUid(obj: KObject): string[] {
  return obj.metadata.uid ? [obj.metadata.uid] : [];
}

/** Ask the server to end each watch after about this long; the informer resumes from its revision. */
const WATCH_TIMEOUT_SECONDS = 300;

/** Creates informers by kind, each once, with the standard indexes, and shares them. */
export class SharedInformers {
  private readonly informers = new Map<string, Informer<KObject>>();
  private started = false;
  private stopped = false;

  /**
   * @param opts.indexes add the standard indexes (default true); a component that never reads
   *   them (the scheduler run alone) saves their upkeep on every event
   */
  constructor(
    private readonly client: ListWatchClient,
    private readonly logger: Logger,
    private readonly opts: { indexes?: boolean } = {},
  ) {}

  /** The shared informer for `kind` (created on first request, with the standard indexes unless turned off). */
  get<T extends KObject>(kind: string): Informer<T> {
    let inf = this.informers.get(kind);
    if (!inf) {
      inf = new Informer<KObject>(this.client, kind, { logger: this.logger, watchTimeoutSeconds: WATCH_TIMEOUT_SECONDS });
      if (this.opts.indexes !== false) {
        inf.addIndex(BY_NAMESPACE, namespaceIndex);
        inf.addIndex(BY_CONTROLLER, controllerUid);
        inf.addIndex(ORPHANS_BY_NAMESPACE, orphanNamespace);
        inf.addIndex(BY_OWNER, ownerUids);
        inf.addIndex(BY_UID, ownUid);
      }
      this.informers.set(kind, inf);
      // A kind asked for after the factory started (a component started later) starts at once.
      if (this.started) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  /** Every informer created so far. */
  all(): Informer<KObject>[] {
    return [...this.informers.values()];
  }

  /**
   * Start every informer created so far (idempotent; later ones start when created) and wait for
   * their first lists; false if stopped first.
   */
  async startAndSync(): Promise<boolean> {
    if (this.stopped) return false;
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    return results.every(Boolean);
  }

  /** Stop every informer. Only the factory's creator calls this: components sharing it must not. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
