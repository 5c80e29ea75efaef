/**
 * The Secrets and ConfigMaps this node's pods use, kept current by one watch per object:
 * Kubernetes' watch-based manager (`configMapAndSecretChangeDetectionStrategy: Watch`).
 *
 * ```
 *   pod informer ──register(pod)──► for each Secret/ConfigMap it references:
 *                                     Informer(namespace, fieldSelector=metadata.name=X)  (one per object)
 *                                        │ add / update / delete
 *                                        └──► onChange(uids of the pods that use it) ──► their workers sync
 *   volumes, env ──get(kind, ns, name)──► that informer's cache (after its first list)
 * ```
 *
 * So a pod waiting for a missing Secret starts as soon as the Secret is created (the watch tells,
 * nothing polls), and a container start reads the object from memory instead of the API server.
 * The node authorizer allows exactly these requests: a list or watch of one object by name that
 * a pod bound to the node references (apiserver/authz/node.ts). An object is unwatched when no
 * registered pod uses it any more.
 */
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import { Informer } from "../lib/informer.js";
import type { Logger } from "../lib/logger.js";
import { podReferences } from "../lib/pod-references.js";
import type { ConfigMap, KObject, Pod, Secret } from "../lib/types.js";

/** The kinds a pod references by name and the kubelet reads. */
export type ReferencedKind = "Secret" | "ConfigMap";

interface Watched {
  informer: Informer<KObject>;
  /** UIDs of the registered pods that reference the object */
  pods: Set<string>;
}

/** How long a read waits for a new watch's first list before asking the API server directly. */
const SYNC_WAIT_MS = 3_000;

function watchKey(kind: ReferencedKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Watches of the Secrets and ConfigMaps referenced by registered pods; reads from their caches. */
export class ReferencedObjects {
  private readonly watches = new Map<string, Watched>();
  /** pod UID → keys of the objects it references */
  private readonly podKeys = new Map<string, Set<string>>();
  private stopped = false;

  /**
   * @param onChange called with the UIDs of the pods that use an object when it is added, changed
   *   or deleted (including its first list)
   */
  constructor(
    private readonly client: Pick<ApiClient, "list" | "watch" | "get">,
    private readonly onChange: (podUids: string[]) => void,
    private readonly logger: Logger,
  ) {}

  /** Watch what `pod` references (idempotent: called on every add and update of a pod bound here). */
  register(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid || this.stopped) return;
    const ns = pod.metadata.namespace ?? "default";
    const keys = new Set<string>();
    for (const name of podReferences(pod, "secret")) keys.add(this.watch("Secret", ns, name, uid));
    for (const name of podReferences(pod, "configMap")) keys.add(this.watch("ConfigMap", ns, name, uid));
    for (const k of this.podKeys.get(uid) ?? []) if (!keys.has(k)) this.release(k, uid);
    this.podKeys.set(uid, keys);
  }

  /** The pod is gone: drop its references, and the watches nobody else needs. */
  unregister(uid: string): void {
    for (const k of this.podKeys.get(uid) ?? []) this.release(k, uid);
    this.podKeys.delete(uid);
  }

  /** The Secret or ConfigMap, from its watch when a registered pod uses it, else from the API server; undefined when it does not exist. */
  async get<T extends Secret | ConfigMap>(kind: ReferencedKind, namespace: string, name: string): Promise<T | undefined> {
    const w = this.watches.get(watchKey(kind, namespace, name));
    if (w && (w.informer.hasSynced() || (await synced(w.informer)))) return w.informer.get(`${namespace}/${name}`) as T | undefined;
    return this.client.get<T>(kind, name, namespace).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  }

  /** How many objects are watched (for tests and metrics). */
  size(): number {
    return this.watches.size;
  }

  /** Stop every watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.watches.values()];
    this.watches.clear();
    this.podKeys.clear();
    await Promise.all(all.map((w) => w.informer.stop()));
  }

  private watch(kind: ReferencedKind, namespace: string, name: string, uid: string): string {
    const key = watchKey(kind, namespace, name);
    const existing = this.watches.get(key);
    if (existing) {
      existing.pods.add(uid);
      return key;
    }
    const informer = new Informer<KObject>(this.client, kind, { namespace, fieldSelector: `metadata.name=${name}`, logger: this.logger });
    const w: Watched = { informer, pods: new Set([uid]) };
    const changed = (): void => this.onChange([...w.pods]);
    informer.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    informer.start();
    this.watches.set(key, w);
    return key;
  }

  private release(key: string, uid: string): void {
    const w = this.watches.get(key);
    if (!w) return;
    w.pods.delete(uid);
    if (w.pods.size > 0) return;
    this.watches.delete(key);
    void w.informer.stop();
  }
}

/** Whether the informer's first list arrives within {@link SYNC_WAIT_MS} (a watch the server refuses never does). */
function synced(informer: Informer<KObject>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), SYNC_WAIT_MS);
    timer.unref();
    void informer.waitForSync().then((ok) => {
      clearTimeout(timer);
      resolve(ok);
    });
  });
}
