/**
 * The Store on etcd (v3 API), for several API servers sharing one replicated datastore. Objects
 * live under a key prefix as `<prefix>/<resource>/<namespace>/<name>`, their JSON as the value
 * (Secrets encrypted by the same codec as SQLite's); resourceVersion is etcd's mod revision.
 *
 * Reads are synchronous all over the API server (authorizer, admission, lists), so this store
 * does what Kubernetes' watch cache does: it keeps an in-memory mirror of its prefix, filled by
 * one list at a revision and then one etcd watch from the next revision, and answers every read
 * from it. Writes are etcd transactions whose compares are the preconditions (create: the key's
 * create revision is 0; update/delete: its mod revision is the expected one, or it exists); a
 * write resolves once the mirror has caught up to the transaction's revision, so a writer reads
 * its own writes, and its events reach watchers from the same watch as everyone else's, in
 * revision order, whichever API server wrote them.
 *
 * Replay for watches comes from a ring of the events the mirror has seen; a revision older than
 * the ring (or than etcd's compaction) is answered with the compacted revision (410 Gone), as the
 * watch cache does. compact() asks etcd to compact its history.
 */
import type { Etcd3, IKeyValue, IRequestOp, IWatchResponse, Watcher } from "etcd3";
import type { Logger } from "pino";
import { alreadyExists, ApiError, conflict, notFound } from "../../lib/errors.js";
import { silentLogger } from "../../lib/logger.js";
import type { KObject } from "../../lib/types.js";
import { connectEtcd, unavailable, type EtcdConnection } from "./etcd-client.js";
import { ObjectIndex } from "./object-index.js";
import { storedEntry } from "./stored-entry.js";
import { objectKey, type ReplayResult, type Store, type StoreEvent, type StoredObject, type StoreView, type WriteOp } from "./store.js";

/** How the etcd store is opened. */
export interface EtcdStoreOptions extends EtcdConnection {
  /** every key starts with this (default `/kctl`); tests use a fresh one each */
  prefix?: string;
  /** Secrets are encrypted with this at the etcd boundary (memory keeps plaintext) */
  codec?: {
    encode(resource: string, key: string, json: string): string;
    decode(resource: string, key: string, stored: string): string;
  };
  /** events kept for watch replay (default 10,000); older revisions answer 410 */
  ringEvents?: number;
  /** a write whose revision the watch has not delivered within this fails with 504 (default 10 s) */
  writeVisibleTimeoutMs?: number;
  logger?: Logger;
}

interface Waiter {
  rev: number;
  resolve: (events: StoreEvent[]) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/** The etcd-backed store; `await EtcdStore.open(...)`. */
export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly endpoints: readonly string[];
  private readonly mirror = new ObjectIndex();
  private readonly ringMax: number;
  private readonly visibleTimeoutMs: number;
  private readonly enc: (resource: string, key: string, json: string) => string;
  private readonly dec: (resource: string, key: string, stored: string) => string;
  private readonly log: Logger;
  /** the revision the mirror is at */
  private rev = 0;
  /** replay holds every event above this revision */
  private floor = 0;
  private ring: StoreEvent[] = [];
  private ringHead = 0;
  private readonly listeners = new Set<(events: readonly StoreEvent[]) => void>();
  private readonly unavailableListeners = new Set<(reason: string) => void>();
  private waiters: Waiter[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private watcher: Watcher | undefined;
  private closed = false;
  private dbSize = 0;

  private constructor(client: Etcd3, opts: EtcdStoreOptions) {
    this.client = client;
    this.prefix = (opts.prefix ?? "/kctl").replace(/\/+$/, "");
    this.endpoints = opts.endpoints;
    this.ringMax = opts.ringEvents ?? 10_000;
    this.visibleTimeoutMs = opts.writeVisibleTimeoutMs ?? 10_000;
    const codec = opts.codec;
    this.enc = codec ? (r, k, j) => codec.encode(r, k, j) : (_r, _k, j) => j;
    this.dec = codec ? (r, k, v) => codec.decode(r, k, v) : (_r, _k, v) => v;
    this.log = opts.logger ?? silentLogger();
  }

  /**
   * Connect, load the prefix and start watching it.
   * @throws one readable line naming the endpoints and the fix when etcd cannot be reached
   */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(connectEtcd(opts), opts);
    try {
      await store.relist();
    } catch (e) {
      store.client.close();
      throw new Error(
        `cannot reach etcd at ${opts.endpoints.join(",")}: ${briefly((e as Error).message)}. ` +
          "Start etcd (scripts/etcd.sh starts a local cluster) or fix --datastore-endpoint (and the --datastore-* TLS files).",
      );
    }
    return store;
  }

  // ------------------------------------------------------------------ reads (the mirror)

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.floor;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.mirror.get(resource, namespace, name);
  }

  list(resource: string, namespace?: string): StoredObject[] {
    return this.mirror.list(resource, namespace);
  }

  count(resource: string, namespace?: string): number {
    return this.mirror.count(resource, namespace);
  }

  /** The mirror: etcd decides preconditions, so there is no pending state to show. */
  latest(): StoreView {
    return this;
  }

  // ------------------------------------------------------------------ writes (transactions)

  async create(resource: string, obj: KObject): Promise<StoredObject> {
    return (await this.batch([{ op: "create", resource, obj }]))[0].entry;
  }

  async update(resource: string, obj: KObject, expectedRev?: number): Promise<StoredObject> {
    return (await this.batch([{ op: "update", resource, obj, expectedRev }]))[0].entry;
  }

  async delete(resource: string, namespace: string, name: string, expectedRev?: number): Promise<StoreEvent> {
    return (await this.batch([{ op: "delete", resource, namespace, name, expectedRev }]))[0];
  }

  batch(ops: WriteOp[]): Promise<StoreEvent[]> {
    const p = this.commit(ops);
    this.inflight.add(p);
    const done = (): void => void this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private async commit(ops: WriteOp[]): Promise<StoreEvent[]> {
    if (this.closed) throw new Error("store is closed");
    if (ops.length === 0) return [];
    const keys = ops.map((op) => this.keyOf(op));
    let txn = undefined as ReturnType<Etcd3["if"]> | undefined;
    const cmp = (key: string, column: "Create" | "Mod" | "Version", op: "==" | ">", value: number): void => {
      txn = txn ? txn.and(key, column, op, value) : this.client.if(key, column, op, value);
    };
    const then: IRequestOp[] = [];
    ops.forEach((op, i) => {
      const key = keys[i];
      if (op.op === "create") cmp(key, "Create", "==", 0);
      else if (op.expectedRev !== undefined) cmp(key, "Mod", "==", op.expectedRev);
      else cmp(key, "Version", ">", 0);
      if (op.op === "delete") then.push({ request_delete_range: { key: Buffer.from(key) } });
      else then.push({ request_put: { key: Buffer.from(key), value: Buffer.from(this.encodeValue(op.resource, key, op.obj)) } });
    });
    const elses: IRequestOp[] = keys.map((k) => ({ request_range: { key: Buffer.from(k) } }));
    let res;
    try {
      res = await txn!.then(...then).else(...elses).commit();
    } catch (e) {
      throw unavailable(e, this.endpoints);
    }
    if (!res.succeeded) throw this.failedPrecondition(ops, res.responses.map((r) => r.response_range?.kvs?.[0]));
    const events = await this.visibleAt(Number(res.header.revision));
    return ops.map((op, i) => {
      const own = events.find((e) => this.prefix + "/" + objectKey(e.resource, e.namespace, e.name) === keys[i]);
      if (!own) throw new Error(`store: the watch delivered revision ${res.header.revision} without ${keys[i]}`);
      if (op.op !== "delete") op.obj.metadata.resourceVersion = String(own.rev);
      return own;
    });
  }

  /** The error of a transaction whose compares failed, from the keys' current state. */
  private failedPrecondition(ops: WriteOp[], current: (IKeyValue | undefined)[]): ApiError {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const kv = current[i];
      const name = op.op === "delete" ? op.name : op.obj.metadata.name ?? "";
      const [plural, group] = splitResource(op.resource);
      if (op.op === "create") {
        if (kv) return alreadyExists(plural, name, group);
      } else if (!kv) {
        return notFound(plural, name, group);
      } else if (op.expectedRev !== undefined && Number(kv.mod_revision) !== op.expectedRev) {
        return conflict(plural, name, "the object has been modified; please apply your changes to the latest version and try again", group);
      }
    }
    // Every compare holds now: the state changed between the transaction and this look.
    const first = ops[0];
    const [plural, group] = splitResource(first.resource);
    return conflict(plural, first.op === "delete" ? first.name : first.obj.metadata.name ?? "", "the object has been modified; please apply your changes to the latest version and try again", group);
  }

  /** What etcd stores: the JSON without resourceVersion (the mod revision is), Secrets encrypted. */
  private encodeValue(resource: string, key: string, obj: KObject): string {
    const rv = obj.metadata.resourceVersion;
    delete obj.metadata.resourceVersion;
    const json = JSON.stringify(obj);
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
    return this.enc(resource, this.relKey(key), json);
  }

  /** Resolves with the events of revision `rev` once the mirror includes it. */
  private visibleAt(rev: number): Promise<StoreEvent[]> {
    if (this.rev >= rev) return Promise.resolve(this.eventsAt(rev));
    if (this.closed) return Promise.reject(new ApiError("ServiceUnavailable", `the write was committed to etcd at revision ${rev}, but this API server is shutting down`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ApiError("Timeout", `the write was committed to etcd at revision ${rev} but this API server's watch has not seen it within ${this.visibleTimeoutMs / 1000}s`));
      }, this.visibleTimeoutMs);
      const waiter: Waiter = { rev, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** The ring's events of one revision (a transaction's). */
  private eventsAt(rev: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = this.firstAbove(rev - 1); i < this.ring.length && this.ring[i].rev === rev; i++) out.push(this.ring[i]);
    return out;
  }

  sync(): Promise<void> {
    // Each write reports its own outcome to its caller; sync only waits for them to settle.
    if (this.inflight.size === 0) return Promise.resolve();
    return Promise.allSettled([...this.inflight]).then(() => undefined);
  }

  // ------------------------------------------------------------------ the watch

  /** Load the prefix at one revision, then watch from the next (start, and after a lost watch). */
  private async relist(): Promise<void> {
    const res = await this.client.getAll().prefix(this.prefix + "/").exec();
    const rev = Number(res.header.revision);
    const seen = new Set<string>();
    const changes: StoreEvent[] = [];
    const ts = Date.now();
    for (const kv of res.kvs) {
      const e = this.entryOf(kv);
      if (!e) continue;
      seen.add(e.key);
      const prev = this.mirror.get(e.resource, e.namespace, e.name);
      if (!prev || prev.rev !== e.rev) changes.push({ type: prev ? "MODIFIED" : "ADDED", rev: e.rev, resource: e.resource, namespace: e.namespace, name: e.name, entry: e, prev, ts });
      this.mirror.put(e);
    }
    for (const e of [...this.mirror.all()]) {
      if (seen.has(e.key)) continue;
      this.mirror.remove(e.resource, e.namespace, e.name);
      changes.push({ type: "DELETED", rev, resource: e.resource, namespace: e.namespace, name: e.name, entry: this.withRevision(e, rev), prev: e, ts });
    }
    const first = this.rev === 0;
    this.rev = Math.max(this.rev, rev);
    // Events between the old mirror and this list are not known one by one: replay from before
    // this list is answered 410, and the differences go to subscribers as events.
    this.floor = Math.max(this.floor, rev);
    this.ring = [];
    this.ringHead = 0;
    if (!first && changes.length > 0) {
      changes.sort((a, b) => a.rev - b.rev);
      for (const l of this.listeners) l(changes);
    }
    this.watch(rev + 1);
    this.release();
  }

  private watch(fromRev: number): void {
    void this.client
      .watch()
      .prefix(this.prefix + "/")
      .startRevision(String(fromRev))
      .withPreviousKV()
      .create()
      .then((w) => {
        if (this.closed) {
          void w.cancel();
          return;
        }
        this.watcher = w;
        w.on("data", (res: IWatchResponse) => this.onWatch(res));
        w.on("disconnected", (err: Error) => {
          this.log.warn({ err: err.message, endpoints: this.endpoints }, "lost the etcd watch; reconnecting");
          for (const l of this.unavailableListeners) l(`lost the etcd watch: ${err.message}`);
        });
        w.on("connected", () => this.log.info({ revision: w.lastRevision() }, "etcd watch connected"));
        w.on("error", (err: Error) => {
          // Canceled by etcd (typically: compacted past our revision while we were away): list again.
          this.log.warn({ err: err.message }, "the etcd watch was canceled; listing again");
          for (const l of this.unavailableListeners) l(`the etcd watch was canceled: ${err.message}`);
          this.watcher = undefined;
          this.retryRelist();
        });
      })
      .catch((e: unknown) => {
        this.log.warn({ err: (e as Error).message }, "cannot start the etcd watch; retrying");
        this.retryRelist();
      });
  }

  private retryRelist(): void {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.relist().catch((e: unknown) => {
        this.log.warn({ err: (e as Error).message }, "cannot list etcd; retrying");
        this.retryRelist();
      });
    }, 500).unref();
  }

  private onWatch(res: IWatchResponse): void {
    if (this.closed || res.events.length === 0) return;
    const ts = Date.now();
    const batch: StoreEvent[] = [];
    for (const ev of res.events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev <= this.rev && this.rev > 0 && this.floor >= rev) continue; // already in a relist
      if (ev.type === "Put") {
        const entry = this.entryOf(ev.kv);
        if (!entry) continue;
        const prev = this.mirror.get(entry.resource, entry.namespace, entry.name);
        this.mirror.put(entry);
        batch.push({ type: prev ? "MODIFIED" : "ADDED", rev, resource: entry.resource, namespace: entry.namespace, name: entry.name, entry, prev, ts });
      } else {
        const k = this.parseKey(ev.kv.key.toString());
        if (!k) continue;
        const prev = this.mirror.get(k[0], k[1], k[2]) ?? (ev.prev_kv ? this.entryOf(ev.prev_kv) : undefined);
        this.mirror.remove(k[0], k[1], k[2]);
        if (!prev) continue;
        batch.push({ type: "DELETED", rev, resource: prev.resource, namespace: prev.namespace, name: prev.name, entry: this.withRevision(prev, rev), prev, ts });
      }
    }
    if (batch.length === 0) return;
    this.rev = Math.max(this.rev, batch[batch.length - 1].rev);
    for (const e of batch) this.ring.push(e);
    this.trimRing(this.ringMax);
    for (const l of this.listeners) l(batch);
    this.release();
  }

  /** Resolve the writes whose revision the mirror has reached. */
  private release(): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.rev <= this.rev);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.rev > this.rev);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(this.eventsAt(w.rev));
    }
  }

  /** Keep at most `max` events, dropping whole revisions; replay below them becomes 410. */
  private trimRing(max: number): void {
    if (this.ring.length - this.ringHead <= max) return;
    let head = this.ring.length - max;
    while (head < this.ring.length && this.ring[head].rev === this.ring[head - 1].rev) head++;
    this.floor = Math.max(this.floor, this.ring[head - 1].rev);
    this.ringHead = head;
    if (this.ringHead > max && this.ringHead > this.ring.length / 2) {
      this.ring = this.ring.slice(this.ringHead);
      this.ringHead = 0;
    }
  }

  /** Index of the first live ring event with revision > rev. */
  private firstAbove(rev: number): number {
    let lo = this.ringHead;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ring[mid].rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  eventsSince(rev: number, resource?: string): ReplayResult {
    if (rev < this.floor) return { ok: false, compactedRevision: this.floor };
    const out: StoreEvent[] = [];
    for (let i = this.firstAbove(rev); i < this.ring.length; i++) {
      const e = this.ring[i];
      if (resource === undefined || e.resource === resource) out.push(e);
    }
    return { ok: true, events: out };
  }

  subscribe(listener: (events: readonly StoreEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the watch on etcd is lost (watches on the API should end: their clients list again). */
  onUnavailable(listener: (reason: string) => void): () => void {
    this.unavailableListeners.add(listener);
    return () => this.unavailableListeners.delete(listener);
  }

  // ------------------------------------------------------------------ compaction and the rest

  async compact(keepRevisions: number, keepMs: number): Promise<number> {
    const cutoff = Date.now() - keepMs;
    let old = 0;
    for (let i = this.ringHead; i < this.ring.length && this.ring[i].ts < cutoff; i++) old = this.ring[i].rev;
    const target = Math.min(this.rev - keepRevisions, old);
    if (target > this.floor) {
      try {
        await this.client.kv.compact({ revision: String(target), physical: false });
      } catch (e) {
        // Another API server compacted further already: etcd's history is compacted either way.
        if (!/compacted/.test((e as Error).message)) throw unavailable(e, this.endpoints);
      }
      this.floor = Math.max(this.floor, target);
      this.ringHead = this.firstAbove(target);
    }
    try {
      const status = await this.client.maintenance.status({});
      this.dbSize = Number(status.dbSize);
    } catch {
      // the size is informational; the next compaction asks again
    }
    return this.floor;
  }

  sizeBytes(): number {
    return this.dbSize;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.unavailableListeners.clear();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error("store is closed"));
    }
    this.waiters = [];
    void this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }

  // ------------------------------------------------------------------ keys and values

  private keyOf(op: WriteOp): string {
    const ns = op.op === "delete" ? op.namespace : op.obj.metadata.namespace ?? "";
    const name = op.op === "delete" ? op.name : op.obj.metadata.name ?? "";
    return `${this.prefix}/${objectKey(op.resource, ns, name)}`;
  }

  private relKey(key: string): string {
    return key.slice(this.prefix.length + 1);
  }

  /** `[resource, namespace, name]` of a full etcd key, or undefined for a key not of this store. */
  private parseKey(key: string): [string, string, string] | undefined {
    if (!key.startsWith(this.prefix + "/")) return undefined;
    const rel = this.relKey(key);
    const a = rel.indexOf("/");
    const b = rel.indexOf("/", a + 1);
    if (a < 0 || b < 0) return undefined;
    return [rel.slice(0, a), rel.slice(a + 1, b), rel.slice(b + 1)];
  }

  /** The mirror entry of a key-value, resourceVersion set to its mod revision. */
  private entryOf(kv: IKeyValue): StoredObject | undefined {
    const key = kv.key.toString();
    const k = this.parseKey(key);
    if (!k) return undefined;
    const rev = Number(kv.mod_revision);
    const obj = JSON.parse(this.dec(k[0], this.relKey(key), kv.value.toString())) as KObject;
    obj.metadata.resourceVersion = String(rev);
    return storedEntry(k[0], k[1], k[2], JSON.stringify(obj), rev, obj);
  }

  /** `e` as of a later revision (a DELETED event carries the delete's revision). */
  private withRevision(e: StoredObject, rev: number): StoredObject {
    const obj = e.object();
    obj.metadata.resourceVersion = String(rev);
    return storedEntry(e.resource, e.namespace, e.name, JSON.stringify(obj), rev, obj);
  }
}

/** A gRPC error message without its status code prefix and empty notes. */
function briefly(msg: string): string {
  return msg.replace(/^\d+ [A-Z_]+: /, "").replace(/\s*Resolution note: \.?/, "").replace(/\.$/, "");
}

/** `deployments.apps` -> [`deployments`, `apps`] */
function splitResource(resource: string): [string, string] {
  const dot = resource.indexOf(".");
  return dot < 0 ? [resource, ""] : [resource.slice(0, dot), resource.slice(dot + 1)];
}
