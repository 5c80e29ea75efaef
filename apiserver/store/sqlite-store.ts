/**
 * SQLite implementation of the Store: one table of current objects, one revision log, one global
 * revision counter (in `meta`). Writes are group-committed: each write is staged in a small
 * pending overlay at once (so the next writer's preconditions see it) and queued; all writes
 * queued in one event-loop turn are committed in one transaction (setImmediate). Only then are
 * they folded into the committed maps that every reader uses, fanned out to watchers and
 * acknowledged to the clients (`sync()`), in that order and in one synchronous turn. So no reader
 * ever sees a write a crash could take back, and the revision counter after a restart is above
 * every revision ever served. A batch of writes is never split across transactions.
 *
 * Durability: WAL with synchronous=NORMAL, so a committed transaction survives a process crash
 * (kill -9); an OS crash or power loss may drop the last transactions before a checkpoint, as with
 * k3s' kine on SQLite. The whole object set is also held in memory (its JSON plus labels and kept
 * selector fields, stored-entry.ts) because the API server is the only writer of this file: gets
 * and lists never touch SQLite, and list bodies are built by concatenating stored JSON.
 */
import fs from "node:fs";
import Database from "better-sqlite3";
import { alreadyExists, conflict, notFound } from "../../lib/errors.js";
import type { KObject } from "../../lib/types.js";
import { storedEntry } from "./stored-entry.js";
import { ObjectIndex } from "./object-index.js";
import { objectKey, type ReplayResult, type Store, type StoreEvent, type StoredObject, type StoreView, type WriteOp } from "./store.js";

export interface SqliteStoreOptions {
  /** path of the database file */
  file: string;
  /**
   * recent events kept in memory for fast watch replay; older ones are read from SQLite.
   * Default 2,000: each event holds the JSON of its new and previous state (~4 KB for a pod), so
   * the former 20,000 kept ~50 MB of superseded pod versions alive after a 10,000-pod burst, while
   * replays are rare (a reconnecting watch asks from a recent revision) and SQLite serves older ones.
   */
  ringEvents?: number;
  /**
   * Applied to values at the SQLite boundary only (memory keeps plaintext): encrypts Secrets at
   * rest (secret-encryption.ts). Keys and resources stay in clear for lookups.
   */
  codec?: {
    encode(resource: string, key: string, json: string): string;
    decode(resource: string, key: string, stored: string): string;
  };
}

interface LogRow {
  rev: number;
  type: string;
  key: string;
  value: string;
  prev: string | null;
  ts: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  key TEXT PRIMARY KEY,
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revisions (
  rev INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  prev TEXT,
  ts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
`;

/** Open (creating if needed) the database file with the pragmas the store relies on. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a commit survives a process crash; only an OS crash/power loss may drop
  // the last transactions. This is what makes thousands of commits per second possible.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // Checkpoints (the only fsyncs under synchronous=NORMAL) run less often: every ~16 MiB of WAL.
  db.pragma("wal_autocheckpoint = 4000");
  db.exec(SCHEMA);
  return db;
}

/** The SQLite-backed store with a write-through in-memory cache. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly ringMax: number;
  private readonly enc: (resource: string, key: string, json: string) => string;
  private readonly dec: (resource: string, key: string, stored: string) => string;
  /** the last committed revision: what readers see */
  private rev = 0;
  /** the last revision handed to a write (committed or pending) */
  private latestRev = 0;
  private compacted = 0;
  /** the committed objects: the only state readers see */
  /** the committed objects (what readers see) */
  private readonly committed = new ObjectIndex();
  /** writes applied but not yet committed, by object key (null: deleted); read by the write path only */
  private readonly overlay = new Map<string, PendingState>();
  private readonly latestView: StoreView;
  /** recent events, oldest first; ring[ringHead..] are live */
  private ring: StoreEvent[] = [];
  private ringHead = 0;
  private readonly listeners = new Set<(events: readonly StoreEvent[]) => void>();
  private closed = false;
  /** writes applied to memory but not yet committed */
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private broken: Error | undefined;

  private readonly stUpsert: Database.Statement;
  private readonly stDelete: Database.Statement;
  private readonly stLog: Database.Statement;
  private readonly stMeta: Database.Statement;
  private readonly commitTx: (writes: PendingWrite[], rev: number) => void;

  constructor(db: Database.Database, opts: SqliteStoreOptions) {
    this.db = db;
    this.file = opts.file;
    this.ringMax = opts.ringEvents ?? 2_000;
    const codec = opts.codec;
    this.enc = codec ? (r, k, j) => codec.encode(r, k, j) : (_r, _k, j) => j;
    this.dec = codec ? (r, k, v) => codec.decode(r, k, v) : (_r, _k, v) => v;
    this.stUpsert = db.prepare(
      "INSERT INTO objects(key, resource, namespace, name, value, mod_revision) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_revision = excluded.mod_revision",
    );
    this.stDelete = db.prepare("DELETE FROM objects WHERE key = ?");
    this.stLog = db.prepare("INSERT INTO revisions(rev, type, resource, key, value, prev, ts) VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.stMeta = db.prepare("INSERT INTO meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
    this.commitTx = db.transaction((writes: PendingWrite[], rev: number) => {
      for (const w of writes) {
        const e = w.event;
        const value = this.enc(e.resource, w.key, e.entry.json);
        if (e.type === "DELETED") this.stDelete.run(w.key);
        else this.stUpsert.run(w.key, e.resource, e.namespace, e.name, value, e.rev);
        this.stLog.run(e.rev, e.type, e.resource, w.key, value, e.prev ? this.enc(e.resource, w.key, e.prev.json) : null, e.ts);
      }
      this.stMeta.run("revision", String(rev));
    });
    this.load();
    this.latestView = {
      currentRevision: () => this.latestRev,
      get: (r, ns, n) => this.latestGet(r, ns, n),
      list: (r, ns) => this.latestList(r, ns),
      count: (r, ns) => this.latestCount(r, ns),
    };
  }

  private load(): void {
    const meta = this.db.prepare("SELECT k, v FROM meta").all() as { k: string; v: string }[];
    for (const m of meta) {
      if (m.k === "revision") this.rev = this.latestRev = Number(m.v);
      if (m.k === "compacted") this.compacted = Number(m.v);
    }
    const rows = this.db.prepare("SELECT key, resource, namespace, name, value, mod_revision FROM objects").all() as {
      key: string; resource: string; namespace: string; name: string; value: string; mod_revision: number;
    }[];
    for (const r of rows) {
      this.put(storedEntry(r.resource, r.namespace, r.name, this.dec(r.resource, r.key, r.value), r.mod_revision));
    }
  }

  currentRevision(): number {
    return this.rev;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.committed.get(resource, namespace, name);
  }

  list(resource: string, namespace?: string): StoredObject[] {
    return this.committed.list(resource, namespace);
  }

  count(resource: string, namespace?: string): number {
    return this.committed.count(resource, namespace);
  }

  // The promise-returning writes stage synchronously, before returning (see Store): a caller's
  // read-modify-write stays in one synchronous turn, exactly as before writes returned promises.
  create(resource: string, obj: KObject): Promise<StoredObject> {
    return settled(() => {
      this.stage([{ op: "create", resource, obj }]);
      return this.mustGet(resource, obj);
    });
  }

  update(resource: string, obj: KObject, expectedRev?: number): Promise<StoredObject> {
    return settled(() => {
      this.stage([{ op: "update", resource, obj, expectedRev }]);
      return this.mustGet(resource, obj);
    });
  }

  delete(resource: string, namespace: string, name: string, expectedRev?: number, finalObj?: KObject): Promise<StoreEvent> {
    return settled(() => this.stage([{ op: "delete", resource, namespace, name, expectedRev, finalObj }])[0]);
  }

  batch(ops: WriteOp[]): Promise<StoreEvent[]> {
    return settled(() => this.stage(ops));
  }

  latest(): StoreView {
    return this.latestView;
  }

  private latestGet(resource: string, namespace: string, name: string): StoredObject | undefined {
    const p = this.overlay.get(objectKey(resource, namespace, name));
    return p === undefined ? this.get(resource, namespace, name) : p.entry ?? undefined;
  }

  /** Pending states of one resource (and namespace); empty in the common case. */
  private pendingOf(resource: string, namespace: string | undefined): PendingState[] {
    const out: PendingState[] = [];
    if (this.overlay.size === 0) return out;
    for (const p of this.overlay.values()) {
      if (p.resource === resource && (namespace === undefined || p.namespace === namespace)) out.push(p);
    }
    return out;
  }

  private latestList(resource: string, namespace?: string): StoredObject[] {
    const pending = this.pendingOf(resource, namespace);
    if (pending.length === 0) return this.list(resource, namespace);
    const byKey = new Map<string, StoredObject>();
    for (const e of this.list(resource, namespace)) byKey.set(e.key, e);
    for (const p of pending) {
      const key = objectKey(resource, p.namespace, p.name);
      if (p.entry) byKey.set(key, p.entry);
      else byKey.delete(key);
    }
    return [...byKey.values()].sort((a, b) => (a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace)));
  }

  private latestCount(resource: string, namespace?: string): number {
    let n = this.count(resource, namespace);
    for (const p of this.pendingOf(resource, namespace)) {
      const committed = this.get(resource, p.namespace, p.name) !== undefined;
      if (p.entry && !committed) n++;
      else if (!p.entry && committed) n--;
    }
    return n;
  }

  private mustGet(resource: string, obj: KObject): StoredObject {
    const e = this.latestGet(resource, obj.metadata.namespace ?? "", obj.metadata.name ?? "");
    if (!e) throw new Error("store: object vanished right after its write");
    return e;
  }

  /** Check and apply `ops` to the pending state, queue them for the group commit. */
  private stage(ops: WriteOp[]): StoreEvent[] {
    if (this.closed) throw new Error("store is closed");
    if (this.broken) throw this.broken;
    if (ops.length === 0) return [];
    // Stage every op against committed state plus the earlier ops of this batch; nothing touches
    // memory or disk until all preconditions hold.
    const overlay = new Map<string, StoredObject | null>();
    const writes: PendingWrite[] = [];
    let rev = this.latestRev;
    const ts = Date.now();
    for (const op of ops) {
      const ns = op.op === "delete" ? op.namespace : op.obj.metadata.namespace ?? "";
      const name = op.op === "delete" ? op.name : op.obj.metadata.name ?? "";
      const key = objectKey(op.resource, ns, name);
      const cur = overlay.has(key) ? overlay.get(key) ?? undefined : this.latestGet(op.resource, ns, name);
      const [plural, group] = splitResource(op.resource);
      if (op.op === "create") {
        if (cur) throw alreadyExists(plural, name, group);
      } else {
        if (!cur) throw notFound(plural, name, group);
        if (op.expectedRev !== undefined && op.expectedRev !== cur.rev) {
          throw conflict(plural, name, "the object has been modified; please apply your changes to the latest version and try again", group);
        }
      }
      rev++;
      const obj = op.op === "delete" ? op.finalObj ?? (cur as StoredObject).object() : op.obj;
      obj.metadata.resourceVersion = String(rev);
      const entry = storedEntry(op.resource, ns, name, JSON.stringify(obj), rev, obj);
      const type = op.op === "create" ? "ADDED" : op.op === "update" ? "MODIFIED" : "DELETED";
      writes.push({ key, event: { type, rev, resource: op.resource, namespace: ns, name, entry, prev: cur, ts } });
      overlay.set(key, type === "DELETED" ? null : entry);
    }
    this.latestRev = rev;
    const events: StoreEvent[] = [];
    for (const w of writes) {
      const e = w.event;
      this.overlay.set(w.key, { resource: e.resource, namespace: e.namespace, name: e.name, entry: e.type === "DELETED" ? null : e.entry });
      events.push(e);
      this.pending.push(w);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return events;
  }

  sync(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Commit everything queued in one transaction, then make it visible, fan out and acknowledge. */
  private flush(): void {
    this.flushScheduled = false;
    const writes = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (writes.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      this.commitTx(writes, writes[writes.length - 1]!.event.rev);
    } catch (e) {
      // The pending writes never reach readers; refuse further writes rather than build on them.
      this.broken = new Error(`store commit failed: ${(e as Error).message}`);
      for (const w of waiters) w.reject(this.broken);
      return;
    }
    // Durable now: fold into the committed state, which readers and watchers see together.
    for (const w of writes) {
      const e = w.event;
      if (e.type === "DELETED") this.remove(e.resource, e.namespace, e.name);
      else this.put(e.entry);
    }
    this.rev = writes[writes.length - 1]!.event.rev;
    // Every pending write was in this transaction (the queue is drained whole).
    this.overlay.clear();
    const events = writes.map((w) => w.event);
    for (const e of events) this.ring.push(e);
    if (this.ring.length - this.ringHead > this.ringMax) this.ringHead = this.ring.length - this.ringMax;
    // Drop the dead prefix once it outgrows the live part: until then it keeps its events alive.
    if (this.ringHead > this.ringMax && this.ringHead > this.ring.length / 2) {
      this.ring = this.ring.slice(this.ringHead);
      this.ringHead = 0;
    }
    for (const l of this.listeners) l(events);
    for (const w of waiters) w.resolve();
  }

  eventsSince(rev: number, resource?: string): ReplayResult {
    if (rev < this.compacted) return { ok: false, compactedRevision: this.compacted };
    if (rev >= this.rev) return { ok: true, events: [] };
    const first = this.ring[this.ringHead];
    if (first && first.rev <= rev + 1) {
      // binary search the first event with revision > rev
      let lo = this.ringHead;
      let hi = this.ring.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.ring[mid].rev <= rev) lo = mid + 1;
        else hi = mid;
      }
      const out: StoreEvent[] = [];
      for (let i = lo; i < this.ring.length; i++) {
        const e = this.ring[i];
        if (resource === undefined || e.resource === resource) out.push(e);
      }
      return { ok: true, events: out };
    }
    const rows = (
      resource === undefined
        ? this.db.prepare("SELECT rev, type, key, value, prev, ts FROM revisions WHERE rev > ? ORDER BY rev").all(rev)
        : this.db.prepare("SELECT rev, type, key, value, prev, ts FROM revisions WHERE rev > ? AND resource = ? ORDER BY rev").all(rev, resource)
    ) as LogRow[];
    return {
      ok: true,
      events: rows.map((r) => {
        const [res, ns, name] = splitKey(r.key);
        const entry = storedEntry(res, ns, name, this.dec(res, r.key, r.value), r.rev);
        // The previous state's own revision is not logged; its JSON, labels and fields are what replay needs.
        const prev = r.prev ? storedEntry(res, ns, name, this.dec(res, r.key, r.prev), 0) : undefined;
        return { type: r.type as StoreEvent["type"], rev: r.rev, resource: res, namespace: ns, name, entry, prev, ts: r.ts };
      }),
    };
  }

  subscribe(listener: (events: readonly StoreEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  compact(keepRevisions: number, keepMs: number): Promise<number> {
    return settled(() => this.compactNow(keepRevisions, keepMs));
  }

  private compactNow(keepRevisions: number, keepMs: number): number {
    this.flush();
    const byCount = this.rev - keepRevisions;
    const row = this.db.prepare("SELECT MAX(rev) AS r FROM revisions WHERE ts < ?").get(Date.now() - keepMs) as { r: number | null };
    const target = Math.min(byCount, row.r ?? 0);
    if (target <= this.compacted) return this.compacted;
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM revisions WHERE rev <= ?").run(target);
      this.stMeta.run("compacted", String(target));
    })();
    this.compacted = target;
    while (this.ringHead < this.ring.length && this.ring[this.ringHead].rev <= target) this.ringHead++;
    return target;
  }

  sizeBytes(): number {
    let total = 0;
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) {
      try {
        total += fs.statSync(f).size;
      } catch {
        // a missing WAL/SHM file just means zero bytes
      }
    }
    return total;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.listeners.clear();
    // Fold the WAL back into the main file so a copied data dir is self-contained.
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.db.close();
  }

  private put(e: StoredObject): void {
    this.committed.put(e);
  }

  private remove(resource: string, namespace: string, name: string): void {
    this.committed.remove(resource, namespace, name);
  }
}

interface PendingWrite {
  key: string;
  event: StoreEvent;
}

/** The newest uncommitted state of one object (entry null: deleted). */
interface PendingState {
  resource: string;
  namespace: string;
  name: string;
  entry: StoredObject | null;
}

/** `fn`'s result as a settled promise: what it returns, or what it throws as a rejection. */
function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `deployments.apps` -> [`deployments`, `apps`] */
export function splitResource(resource: string): [string, string] {
  const dot = resource.indexOf(".");
  return dot < 0 ? [resource, ""] : [resource.slice(0, dot), resource.slice(dot + 1)];
}

function splitKey(key: string): [string, string, string] {
  const a = key.indexOf("/");
  const b = key.indexOf("/", a + 1);
  return [key.slice(0, a), key.slice(a + 1, b), key.slice(b + 1)];
}
