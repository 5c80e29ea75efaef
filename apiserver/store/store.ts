/**
 * The storage seam of the API server, implemented on SQLite (the default, sqlite-store.ts) and on
 * etcd (etcd-store.ts). Objects are kept with their serialized JSON so that lists and watches can
 * be answered by concatenating strings instead of re-serializing. Reads are synchronous (both
 * stores serve them from memory); writes return promises, because etcd decides them remotely.
 */
import type { KObject } from "../../lib/types.js";

/**
 * One stored object. Memory keeps the object as its JSON only (lists and watches send that
 * string as is) plus what selectors read (labels, a few fields): a parsed copy of every object
 * would double the API server's memory (10,000 pods: ~23 MB of JSON, ~23 MB more parsed).
 */
export interface StoredObject {
  /** `resource/namespace/name`, e.g. `pods/default/web-1` or `nodes//n1` */
  readonly key: string;
  /** resource id: plural, qualified with the group for non-core kinds (`deployments.apps`) */
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** the object serialized; never changes */
  readonly json: string;
  /** revision of the last write (= metadata.resourceVersion) */
  readonly rev: number;
  /** metadata.labels, kept parsed for label selectors. Shared: never mutate. */
  readonly labels: Readonly<Record<string, string>> | undefined;
  /**
   * The value of a field selector's field (`spec.nodeName`), as a field selector compares it,
   * when it is one of the fields kept for this resource (selectable-fields.ts); otherwise
   * undefined, and the caller parses the object.
   */
  field(path: string): string | undefined;
  /** A fresh parse of `json` on every call: the caller owns the result and may change it. */
  object(): KObject;
}

export type StoreEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed change, as fanned out to watchers. */
export interface StoreEvent {
  readonly type: StoreEventType;
  readonly rev: number;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  /** new state; for DELETED the last state, carrying the delete's resourceVersion */
  readonly entry: StoredObject;
  /** state before the change (MODIFIED and DELETED), used for selector transitions */
  readonly prev?: StoredObject;
  /** emission time (ms since epoch) */
  readonly ts: number;
}

/** A write in a batch. Preconditions are checked against the latest (pending) state. */
export type WriteOp =
  | { op: "create"; resource: string; obj: KObject }
  | { op: "update"; resource: string; obj: KObject; expectedRev?: number }
  | { op: "delete"; resource: string; namespace: string; name: string; expectedRev?: number; finalObj?: KObject };

/** Replay answer: the events after a revision, or the fact that it was compacted away. */
export type ReplayResult = { ok: true; events: StoreEvent[] } | { ok: false; compactedRevision: number };

/**
 * Read access to one state of the store. Lists are sorted by namespace, then name.
 */
export interface StoreView {
  /** The revision of the last write this view includes (0 for an empty store). */
  currentRevision(): number;
  get(resource: string, namespace: string, name: string): StoredObject | undefined;
  /** Sorted by namespace, then name. `namespace` undefined = all namespaces. */
  list(resource: string, namespace?: string): StoredObject[];
  /** Number of stored objects of a resource in a namespace (or all). */
  count(resource: string, namespace?: string): number;
}

/**
 * The store. Its own reads (`get`, `list`, `count`, `currentRevision`) are the **committed**
 * state: every object and revision they show is durable, so a client is never shown a write that
 * a crash could take back, and a revision once served names one write for ever.
 *
 * Writes return promises that settle once `latest()` shows the write (or with the write's
 * AlreadyExists/NotFound/Conflict, or a 503/504 when the datastore cannot be reached):
 * - SQLite stages a write synchronously, before its promise is even returned, in a pending state
 *   that only the write path reads (`latest()`), and group-commits it later; readers and watchers
 *   see it when the commit succeeds (`sync()`).
 * - etcd decides a write in a transaction (preconditions compare mod revisions) and its promise
 *   resolves once the store's watch-fed mirror includes it, so a writer reads its own writes.
 * Preconditions are always checked by the store itself, against its latest state.
 */
export interface Store extends StoreView {
  /** Everything at or below this revision has been dropped from the revision log. */
  compactedRevision(): number;
  /**
   * The state writers decide on: the committed state plus writes applied but not yet committed.
   * Only the write path may read it (a read-modify-write inside one synchronous turn); answers
   * to clients never come from it.
   */
  latest(): StoreView;
  /** Rejects with AlreadyExists. Resolves to the written entry (its rev is metadata.resourceVersion). */
  create(resource: string, obj: KObject): Promise<StoredObject>;
  /** Rejects with NotFound, or Conflict when expectedRev is stale. */
  update(resource: string, obj: KObject, expectedRev?: number): Promise<StoredObject>;
  /**
   * Removes; rejects with NotFound/Conflict. The DELETED event carries the object's last state
   * (SQLite: `finalObj` when given; etcd: the last stored state, as Kubernetes' etcd store does).
   */
  delete(resource: string, namespace: string, name: string, expectedRev?: number, finalObj?: KObject): Promise<StoreEvent>;
  /**
   * Several writes in one transaction, all or nothing, at increasing revisions (SQLite gives each
   * op its own revision; etcd gives the whole transaction one). One object at most once per batch.
   */
  batch(ops: WriteOp[]): Promise<StoreEvent[]>;
  /** Committed events of `resource` (or all, when undefined) with revision > `rev`, oldest first. */
  eventsSince(rev: number, resource?: string): ReplayResult;
  /**
   * Resolves once every write issued so far is committed (durable and visible to readers); a
   * handler awaits this before answering.
   * @throws if the commit failed (the store is then unusable; readers keep the last committed state)
   */
  sync(): Promise<void>;
  /** Called after every commit, once the committed state includes the events, with them in order. */
  subscribe(listener: (events: readonly StoreEvent[]) => void): () => void;
  /**
   * Drop log entries that are neither among the last `keepRevisions` nor younger than `keepMs`
   * (etcd: asks etcd to compact its own history). Resolves to the new compacted revision.
   */
  compact(keepRevisions: number, keepMs: number): Promise<number>;
  /** Bytes used on disk (database + WAL; etcd: its database size as last reported). */
  sizeBytes(): number;
  /** Called when the store loses its datastore (etcd); absent for stores that cannot. */
  onUnavailable?(listener: (reason: string) => void): () => void;
  /** Flush and close. */
  close(): void;
}

/** `deployments.apps` for group `apps`, `pods` for the core group. */
export function resourceId(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** The storage key of an object. */
export function objectKey(resource: string, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}
