/**
 * The informer: a read-only, always-current cache of one kind, fed by list + watch, as client-go's
 * shared informer.
 *
 * ```
 *   list ──► replace cache (diff: add/update/delete) ──► watch from list RV
 *     ▲                                                      │ ADDED/MODIFIED/DELETED ─► cache + handlers
 *     │ 410 Gone (ERROR event or on connect)                 │ BOOKMARK ─► remember RV
 *     └──────────────────────────────────────────────────────┤ stream ends ─► watch again from last RV
 *                                                            └ connection error ─► capped back-off, retry
 * ```
 *
 * Objects in the cache and passed to handlers are shared: never mutate them (clone first).
 */
import { ExponentialBackoff, type BackoffOptions } from "./backoff.js";
import { realClock, type Clock, type Timer } from "./clock.js";
import type { ApiClient, WatchHandle } from "./client.js";
import { ApiError, isGone } from "./errors.js";
import { silentLogger, type Logger } from "./logger.js";
import type { KObject, Status, WatchEvent } from "./types.js";

/** `namespace/name`, or `name` for a cluster-scoped object: the key of caches and workqueues. */
export function objectKey(obj: { metadata: { name?: string; namespace?: string } }): string {
  const { name = "", namespace } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/** The parts of an {@link objectKey}: `"ns/web"` → `{ namespace: "ns", name: "web" }`; `"n1"` → `{ name: "n1" }`. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Callbacks for cache changes. Each runs synchronously, in event order; a throw is logged, not fatal. */
export interface EventHandlers<T extends KObject> {
  onAdd?(obj: T): void;
  /** also called with `old === cur` on each periodic resync */
  onUpdate?(old: T, cur: T): void;
  /** with the last state of the object (its final state when the watch saw the delete) */
  onDelete?(obj: T): void;
}

/** What changed between a cache and a fresh list. */
export interface CacheDiff<T extends KObject> {
  added: T[];
  /** `[old, new]` pairs whose resourceVersion differs */
  updated: [T, T][];
  deleted: T[];
}

/**
 * Compare the cache with a fresh list (after a relist): objects new to the cache, objects whose
 * resourceVersion changed, and cached objects no longer listed.
 */
export function diffCache<T extends KObject>(old: ReadonlyMap<string, T>, fresh: readonly T[]): CacheDiff<T> {
  const diff: CacheDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const obj of fresh) {
    const key = objectKey(obj);
    seen.add(key);
    const prev = old.get(key);
    if (!prev) diff.added.push(obj);
    else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) diff.updated.push([prev, obj]);
  }
  for (const [key, obj] of old) if (!seen.has(key)) diff.deleted.push(obj);
  return diff;
}

/** The part of {@link ApiClient} an informer needs (an `ApiClient` is one). */
export type ListWatchClient = Pick<ApiClient, "list" | "watch">;

export interface InformerOptions {
  /** only this namespace (default: all namespaces) */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger?: Logger;
  /** if > 0, call onUpdate(obj, obj) for every cached object this often (ms) */
  resyncMs?: number;
  /** reconnect back-off; default 100 ms doubling to 10 s */
  backoff?: BackoffOptions;
  /** time source; default the real clock */
  clock?: Clock;
  /**
   * Ask the server to end each watch after this long (randomised ±50% as client-go does, so
   * informers do not reconnect in step); the informer then resumes from the last revision.
   * Default: no timeout.
   */
  watchTimeoutSeconds?: number;
  /**
   * Keep `metadata.managedFields` in cached objects. Default false: they are dropped on receipt,
   * as Kubernetes' controllers do with an informer transform, since no controller reads them and
   * they can be as large as the rest of an object (an update sent without them keeps the
   * server's record).
   */
  keepManagedFields?: boolean;
}

interface Index<T> {
  fn: (obj: T) => string[];
  /**
   * index value → object key(s). A value with one object holds its key as a plain string, not a
   * one-element Set: most values of a pod index (its UID, a lone owner) have exactly one object,
   * and 10,000 single-entry Sets cost ~4 MB per index.
   */
  map: Map<string, string | Set<string>>;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 10_000 };

/** A list+watch cache of one kind, with change handlers and secondary indexes. */
export class Informer<T extends KObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly indexes = new Map<string, Index<T>>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly backoff: ExponentialBackoff;
  private synced = false;
  private started = false;
  private stopped = false;
  private resourceVersion = "";
  private watch: WatchHandle | undefined;
  /** bumped on every new watch, so late events of an abandoned stream are dropped */
  private watchGeneration = 0;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private sleeping: { timer: Timer; wake: () => void } | undefined;
  private resyncTimer: Timer | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ListWatchClient,
    readonly kind: string,
    private readonly opts: InformerOptions = {},
  ) {
    this.log = (opts.logger ?? silentLogger()).child({ informer: kind, namespace: opts.namespace });
    this.clock = opts.clock ?? realClock;
    this.backoff = new ExponentialBackoff(opts.backoff ?? DEFAULT_BACKOFF);
  }

  // ------------------------------------------------------------------ handlers

  /**
   * Register handlers (before or after `start`). A late registrant first gets `onAdd` for every
   * object already cached. Returns a function that unregisters them.
   */
  addEventHandler(h: EventHandlers<T>): () => void {
    this.handlers.push(h);
    if (h.onAdd) for (const obj of this.cache.values()) this.call(h, "onAdd", () => h.onAdd!(obj));
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  onAdd(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onAdd: fn });
  }

  onUpdate(fn: (old: T, cur: T) => void): () => void {
    return this.addEventHandler({ onUpdate: fn });
  }

  onDelete(fn: (obj: T) => void): () => void {
    return this.addEventHandler({ onDelete: fn });
  }

  // ------------------------------------------------------------------ cache reads

  /** Whether the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves `true` once synced, or `false` if the informer is stopped first. */
  waitForSync(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Every cached object. */
  list(): T[] {
    return Array.from(this.cache.values());
  }

  /** The cached object with this {@link objectKey}. */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Every cached key. */
  keys(): string[] {
    return Array.from(this.cache.keys());
  }

  /** How many objects are cached. */
  size(): number {
    return this.cache.size;
  }

  /** The last resourceVersion seen (list, event or bookmark): where the watch resumes. */
  lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /**
   * Add a secondary index: `fn` gives each object's index values (e.g. `[pod.spec.nodeName]`, or
   * the owner UIDs). May be added before or after `start`.
   */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    if (this.indexes.has(name)) throw new Error(`informer ${this.kind}: index "${name}" already exists`);
    const idx: Index<T> = { fn, map: new Map() };
    this.indexes.set(name, idx);
    for (const [key, obj] of this.cache) this.indexAdd(idx, key, obj);
  }

  /** Cached objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexKeys(name, value);
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.cache.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Keys of the cached objects whose index `name` includes `value`. */
  indexKeys(name: string, value: string): string[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`informer ${this.kind}: no index "${name}"`);
    const keys = idx.map.get(value);
    return keys === undefined ? [] : typeof keys === "string" ? [keys] : Array.from(keys);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Start listing and watching (idempotent). Use `waitForSync()` to wait for the first list. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loop = this.run();
    this.scheduleResync();
  }

  /** Stop watching. The cache stays readable; handlers get no more calls. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watch?.stop();
    this.resyncTimer?.cancel();
    const s = this.sleeping;
    this.sleeping = undefined;
    if (s) {
      s.timer.cancel();
      s.wake();
    }
    for (const w of this.syncWaiters.splice(0)) w(false);
    await this.loop;
  }

  // ------------------------------------------------------------------ the list/watch loop

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.relist();
          needList = false;
        } catch (err) {
          const delay = this.backoff.next();
          this.log.warn({ err, retryInMs: delay }, "list failed; retrying");
          await this.sleep(delay);
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (outcome === "gone") {
        this.log.info({ resourceVersion: this.resourceVersion }, "watch history compacted (410); relisting");
        needList = true;
      } else if (outcome === "failed") {
        await this.sleep(this.backoff.next());
      }
    }
  }

  /** List, then bring the cache and the handlers in line with the result. */
  private async relist(): Promise<void> {
    const { namespace, labelSelector, fieldSelector } = this.opts;
    const list = await this.client.list<T>(this.kind, { namespace, labelSelector, fieldSelector });
    if (this.stopped) return;
    if (!this.opts.keepManagedFields) for (const o of list.items) dropManagedFields(o);
    const diff = diffCache(this.cache, list.items);
    for (const obj of diff.deleted) {
      this.remove(objectKey(obj));
      this.emit("onDelete", (h) => h.onDelete!(obj));
    }
    for (const [prev, obj] of diff.updated) {
      this.store(objectKey(obj), obj, prev);
      this.emit("onUpdate", (h) => h.onUpdate!(prev, obj));
    }
    for (const obj of diff.added) {
      this.store(objectKey(obj), obj, undefined);
      this.emit("onAdd", (h) => h.onAdd!(obj));
    }
    this.resourceVersion = list.metadata.resourceVersion ?? "";
    this.backoff.reset();
    this.log.debug({ count: list.items.length, resourceVersion: this.resourceVersion }, "listed");
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w(true);
    }
  }

  /**
   * One watch from the last resourceVersion, until its stream ends:
   * "ended" (clean close: resume), "gone" (410: relist) or "failed" (back off, then resume).
   */
  private async watchOnce(): Promise<"ended" | "gone" | "failed"> {
    if (this.stopped) return "ended";
    const generation = ++this.watchGeneration;
    let gone = false;
    let failed = false;
    let events = 0;
    const startedAt = this.clock.now();
    const { namespace, labelSelector, fieldSelector, watchTimeoutSeconds } = this.opts;
    try {
      this.watch = this.client.watch<T>(
        this.kind,
        {
          namespace,
          labelSelector,
          fieldSelector,
          resourceVersion: this.resourceVersion || undefined,
          allowWatchBookmarks: true,
          timeoutSeconds: watchTimeoutSeconds ? Math.ceil(watchTimeoutSeconds * (0.5 + Math.random())) : undefined,
        },
        (ev) => {
          if (generation !== this.watchGeneration || this.stopped || gone || failed) return;
          events++;
          const outcome = this.handleEvent(ev);
          if (outcome === "ok") return;
          if (outcome === "gone") gone = true;
          else failed = true;
          this.watch?.stop();
        },
      );
      await this.watch.done;
    } catch (err) {
      if (this.stopped) return "ended";
      if (isGone(err)) return "gone";
      this.log.warn({ err }, "watch failed; reconnecting with back-off");
      return "failed";
    } finally {
      this.watch = undefined;
    }
    if (gone) return "gone";
    if (failed) return "failed";
    // A stream the server closes at once, again and again, must not become a busy loop.
    if (events === 0 && this.clock.now() - startedAt < 1000) return "failed";
    this.backoff.reset();
    return "ended";
  }

  private handleEvent(ev: WatchEvent<T>): "ok" | "gone" | "failed" {
    const obj = ev.object;
    if (!this.opts.keepManagedFields && obj?.metadata) dropManagedFields(obj);
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED": {
        const key = objectKey(obj);
        const prev = this.cache.get(key);
        this.noteVersion(obj);
        // A replayed event for the version we hold changes nothing.
        if (prev && prev.metadata.resourceVersion !== undefined && prev.metadata.resourceVersion === obj.metadata.resourceVersion) {
          return "ok";
        }
        this.store(key, obj, prev);
        if (prev) this.emit("onUpdate", (h) => h.onUpdate!(prev, obj));
        else this.emit("onAdd", (h) => h.onAdd!(obj));
        return "ok";
      }
      case "DELETED": {
        const key = objectKey(obj);
        this.noteVersion(obj);
        const had = this.cache.has(key);
        this.remove(key);
        if (had) this.emit("onDelete", (h) => h.onDelete!(obj));
        return "ok";
      }
      case "BOOKMARK":
        this.noteVersion(obj);
        return "ok";
      case "ERROR": {
        const status = obj as unknown as Partial<Status>;
        if (status.code === 410) return "gone";
        this.log.warn({ err: ApiError.fromStatus(status) }, "watch ERROR event; reconnecting");
        return "failed";
      }
      default:
        this.log.warn({ type: ev.type }, "unknown watch event type ignored");
        return "ok";
    }
  }

  private noteVersion(obj: KObject): void {
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }

  // ------------------------------------------------------------------ cache + indexes

  private store(key: string, obj: T, prev: T | undefined): void {
    if (prev) for (const idx of this.indexes.values()) this.indexRemove(idx, key, prev);
    this.cache.set(key, obj);
    for (const idx of this.indexes.values()) this.indexAdd(idx, key, obj);
  }

  private remove(key: string): void {
    const prev = this.cache.get(key);
    if (!prev) return;
    this.cache.delete(key);
    for (const idx of this.indexes.values()) this.indexRemove(idx, key, prev);
  }

  private indexAdd(idx: Index<T>, key: string, obj: T): void {
    for (const v of this.indexValues(idx, obj)) {
      const keys = idx.map.get(v);
      if (keys === undefined) idx.map.set(v, key);
      else if (typeof keys !== "string") keys.add(key);
      else if (keys !== key) idx.map.set(v, new Set([keys, key]));
    }
  }

  private indexRemove(idx: Index<T>, key: string, obj: T): void {
    for (const v of this.indexValues(idx, obj)) {
      const keys = idx.map.get(v);
      if (keys === undefined) continue;
      if (typeof keys === "string") {
        if (keys === key) idx.map.delete(v);
        continue;
      }
      keys.delete(key);
      if (keys.size === 1) idx.map.set(v, keys.values().next().value as string);
      else if (keys.size === 0) idx.map.delete(v);
    }
  }

  private indexValues(idx: Index<T>, obj: T): string[] {
    try {
      return idx.fn(obj);
    } catch (err) {
      this.log.error({ err, key: objectKey(obj) }, "index function threw; object left out of the index");
      return [];
    }
  }

  // ------------------------------------------------------------------ helpers

  private emit(which: keyof EventHandlers<T>, fn: (h: EventHandlers<T>) => void): void {
    for (const h of this.handlers) if (h[which]) this.call(h, which, () => fn(h));
  }

  private call(_h: EventHandlers<T>, which: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, handler: which }, "informer event handler threw");
    }
  }

  private scheduleResync(): void {
    const ms = this.opts.resyncMs ?? 0;
    if (ms <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimer(() => {
      if (this.stopped) return;
      if (this.synced) for (const obj of this.cache.values()) this.emit("onUpdate", (h) => h.onUpdate!(obj, obj));
      this.scheduleResync();
    }, ms);
  }

  /** Wait `ms` on the clock; `stop()` cuts it short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, wake: resolve };
    });
  }
}

// ------------------------------------------------------------------ common index functions

/** Index by namespace. */
export function namespaceIndex(obj: KObject): string[] {
  return [obj.metadata.namespace ?? ""];
}

/** Index by the UIDs of an object's owners (find a ReplicaSet's Pods). */
export function ownerUidIndex(obj: KObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
}

/** Index by the UID of an object's controller owner only. */
export function controllerUidIndex(obj: KObject): string[] {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
  return ref ? [ref.uid] : [];
}

/** Index Pods by `spec.nodeName` (`""` for unscheduled Pods). */
export function nodeNameIndex(obj: KObject): string[] {
  const spec = obj.spec as { nodeName?: string } | undefined;
  return [spec?.nodeName ?? ""];
}

/** Remove `metadata.managedFields` from a freshly decoded object (in place). */
function dropManagedFields(obj: KObject): void {
  if (obj.metadata && "managedFields" in obj.metadata) delete (obj.metadata as { managedFields?: unknown }).managedFields;
}
