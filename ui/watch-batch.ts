/**
 * What the watch worker (watch-worker.ts) tells the page, and how both sides keep it small: the
 * worker folds every watch event since its last message into one {@link Batch} per kind (the last
 * state of each object, deletes as keys, a relist as the whole new list), and the page applies a
 * batch to its copy of the caches in one task per frame ({@link applyBatch}).
 *
 * Pure (no DOM, no worker globals): the unit tests drive it directly.
 */
import type { KObject } from "../lib/types.js";

/** The kinds the view watches, with their collection path (core or apps group). */
export const KINDS = {
  nodes: { group: "/api/v1", namespaced: false },
  pods: { group: "/api/v1", namespaced: true },
  events: { group: "/api/v1", namespaced: true },
  deployments: { group: "/apis/apps/v1", namespaced: true },
  replicasets: { group: "/apis/apps/v1", namespaced: true },
  statefulsets: { group: "/apis/apps/v1", namespaced: true },
  daemonsets: { group: "/apis/apps/v1", namespaced: true },
} as const;

export type KindName = keyof typeof KINDS;

/** Every kind, in the order the worker starts their informers (events last: see watch-worker.ts). */
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

/** The collection path of a kind: all namespaces, or only `namespace` (a token limited to one). */
export function collectionPath(kind: KindName, namespace: string | undefined): string {
  const k = KINDS[kind];
  return k.namespaced && namespace ? `${k.group}/namespaces/${encodeURIComponent(namespace)}/${kind}` : `${k.group}/${kind}`;
}

/** Where an informer is: a picture is "live" only while its watch is connected. */
export type InformerState = "syncing" | "live" | "reconnecting" | "forbidden" | "stopped";

/** The key of an object in a cache: `namespace/name` or `name`. */
export const keyOf = (o: KObject): string => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? ""));

/** One kind's changes since the last batch. */
export interface KindChanges {
  /** the whole cache after a (re)list: the page drops what it had before applying the rest */
  replace?: KObject[];
  /** objects added or modified, each once, in its last state */
  upserts: KObject[];
  /** keys deleted (disjoint from the upserts: an object added then deleted in one batch is only here) */
  deletes: string[];
  /** the informer's state, when it moved */
  state?: InformerState;
}

/** The worker's one message per frame. */
export interface Batch {
  type: "batch";
  kinds: Partial<Record<KindName, KindChanges>>;
}

/**
 * Worker → page. A batch travels as JSON text: the page's JSON.parse of one string costs less
 * than the structured clone of as many objects (measured: see ui/README.md).
 */
export type ToPage = { type: "batch"; json: string } | { type: "unauthorized"; message: string };

/**
 * Page → worker. The token travels only this way (never in a URL). `ack`: the page applied the
 * last batch and drew its frame, the worker may post the next one.
 */
export type ToWorker = { type: "start"; token: string; namespace?: string } | { type: "ack" };

/** One kind's pending changes in the worker: key → last object, or null for deleted. */
interface Pending {
  replace?: Map<string, KObject>;
  changed: Map<string, KObject | null>;
  state?: InformerState;
}

/**
 * The worker's side: collects informer changes between two batches, keeping only the last
 * state of each object, and hands them out as one {@link Batch}.
 */
export class ChangeBatcher {
  private pending = new Map<KindName, Pending>();

  private of(kind: KindName): Pending {
    let p = this.pending.get(kind);
    if (!p) this.pending.set(kind, (p = { changed: new Map() }));
    return p;
  }

  /** Anything to send? */
  get dirty(): boolean {
    return this.pending.size > 0;
  }

  /** A (re)list: the cache is now exactly `cache` (what came before in this batch is moot). */
  replace(kind: KindName, cache: ReadonlyMap<string, KObject>): void {
    const p = this.of(kind);
    p.replace = new Map(cache);
    p.changed.clear();
  }

  upsert(kind: KindName, key: string, obj: KObject): void {
    const p = this.of(kind);
    if (p.replace) p.replace.set(key, obj);
    else p.changed.set(key, obj);
  }

  delete(kind: KindName, key: string): void {
    const p = this.of(kind);
    if (p.replace) p.replace.delete(key);
    else p.changed.set(key, null);
  }

  state(kind: KindName, s: InformerState): void {
    this.of(kind).state = s;
  }

  /** The changes since the last call, or undefined when there are none. */
  take(): Batch | undefined {
    if (!this.pending.size) return undefined;
    const kinds: Partial<Record<KindName, KindChanges>> = {};
    for (const [kind, p] of this.pending) {
      const c: KindChanges = { upserts: [], deletes: [] };
      if (p.replace) c.replace = [...p.replace.values()];
      for (const [key, obj] of p.changed) {
        if (obj) c.upserts.push(obj);
        else c.deletes.push(key);
      }
      if (p.state) c.state = p.state;
      kinds[kind] = c;
    }
    this.pending = new Map();
    return { type: "batch", kinds };
  }
}

/** The page's copy of one kind's cache (what view-model.ts reads). */
export interface KindMirror {
  readonly cache: Map<string, KObject>;
  state: InformerState;
  /** bumped by every batch that changed the cache: derived views recompute only when it moved */
  revision: number;
}

export function emptyMirror(): KindMirror {
  return { cache: new Map(), state: "syncing", revision: 0 };
}

/** Apply one batch to the page's mirrors (replace, then upserts, then deletes). */
export function applyBatch(mirrors: Record<KindName, KindMirror>, batch: Batch): void {
  for (const kind of Object.keys(batch.kinds) as KindName[]) {
    const c = batch.kinds[kind]!;
    const m = mirrors[kind];
    if (c.replace) {
      m.cache.clear();
      for (const o of c.replace) m.cache.set(keyOf(o), o);
    }
    for (const o of c.upserts) m.cache.set(keyOf(o), o);
    for (const k of c.deletes) m.cache.delete(k);
    if (c.replace || c.upserts.length || c.deletes.length) m.revision++;
    if (c.state) m.state = c.state;
  }
}
