/**
 * One informer per kind for the whole controller manager (Kubernetes' SharedInformerFactory):
 * every controller asks for the kinds it needs, then the manager starts them all and waits for the
 * first lists before any worker runs.
 */
import type { ApiClient } from "../lib/client.js";
import { Informer, namespaceIndex } from "../lib/informer.js";
import type { Logger } from "../lib/logger.js";
import type { KObject } from "../lib/types.js";

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

/** Creates and shares informers by kind. */
export class SharedInformers {
  private readonly informers = new Map<string, Informer<KObject>>();

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {}

  /** The shared informer for `kind` (created on first request, with the standard indexes). */
  get<T extends KObject>(kind: string): Informer<T> {
    let inf = this.informers.get(kind);
    if (!inf) {
      inf = new Informer<KObject>(this.client, kind, { logger: this.logger, watchTimeoutSeconds: 300 });
      inf.addIndex(BY_NAMESPACE, namespaceIndex);
      inf.addIndex(BY_CONTROLLER, controllerUid);
      inf.addIndex(ORPHANS_BY_NAMESPACE, orphanNamespace);
      inf.addIndex(BY_OWNER, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
      inf.addIndex(BY_UID, (o) => (o.metadata.uid ? [o.metadata.uid] : []));
      this.informers.set(kind, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Every informer created so far. */
  all(): Informer<KObject>[] {
    return [...this.informers.values()];
  }

  /** Start every informer and wait for their first lists; false if stopped first. */
  async startAndSync(): Promise<boolean> {
    for (const inf of this.informers.values()) inf.start();
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
