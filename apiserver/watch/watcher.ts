/**
 * One watch stream: filters store events for its client, turns selector transitions into
 * ADDED/DELETED, and writes to a transport (chunked HTTP or WebSocket) with a bounded queue.
 * A watcher whose queue overflows is cut off (its stream ends) instead of growing memory or
 * slowing down writers; the client resumes from its last resourceVersion.
 */
import type { FieldRequirement, Selector } from "../../lib/selector.js";
import { matchesFields } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";
import type { StoreEvent, StoredObject } from "../store/store.js";

/** What a watch selects. */
export interface WatchFilter {
  /** undefined = all namespaces (or a cluster-scoped resource) */
  namespace?: string;
  labels: Selector;
  fields: readonly FieldRequirement[];
}

/**
 * Whether a stored object passes a list/watch filter: matched on its kept labels and fields,
 * parsing its JSON only when a field selector names a field that is not kept.
 */
export function matchesStored(f: WatchFilter, e: StoredObject): boolean {
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false;
  if (!f.labels.empty && !f.labels.matches(e.labels)) return false;
  for (const r of f.fields) {
    const v = e.field(r.field);
    if (v === undefined) return matchesFields(e.object(), f.fields);
    if (r.operator === "!=" ? v === r.value : v !== r.value) return false;
  }
  return true;
}

/** A transport for watch lines. */
export interface WatchSink {
  /** Write complete `{"type":..,"object":..}` lines (each ends in `\n`). False = backed up. */
  write(lines: readonly string[]): boolean;
  /** Call `cb` once when the transport can take more. */
  onDrain(cb: () => void): void;
  /** End the stream cleanly. */
  end(): void;
  /** Resolves once the ended stream is flushed to the OS (or the connection is gone). */
  finished(): Promise<void>;
}

/** `{"type":"ADDED","object":{...}}\n` built from already-serialized JSON. */
export function eventLine(type: string, json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

export interface WatcherOptions {
  resource: string;
  filter: WatchFilter;
  sink: WatchSink;
  /** queue bound in events; beyond it the watcher is cut off */
  maxQueue: number;
  /** send BOOKMARK events */
  bookmarks: boolean;
  /** kind/apiVersion for BOOKMARK objects */
  kind: string;
  apiVersion: string;
  /** re-encode objects for this client (server-side Table printing); undefined = stored JSON */
  format?: (obj: KObject, json: string) => string;
  /** events at or below this revision are already in the client's view (initial list, replay point) */
  startRevision: number;
  /** called once when the watcher ends for any reason */
  onEnd: (w: Watcher, reason: "cutoff" | "closed" | "timeout") => void;
}

/** A live watch. Created by the WatchHub. */
export class Watcher {
  readonly resource: string;
  readonly bookmarks: boolean;
  private readonly filter: WatchFilter;
  private readonly sink: WatchSink;
  private readonly maxQueue: number;
  private readonly kind: string;
  private readonly apiVersion: string;
  private readonly onEnd: WatcherOptions["onEnd"];
  private readonly startRevision: number;
  private readonly format?: (obj: KObject, json: string) => string;
  private queue: string[] = [];
  private blocked = false;
  private ended = false;
  /** true while events are waiting for the hub's next flush */
  dirty = false;

  constructor(o: WatcherOptions) {
    this.resource = o.resource;
    this.filter = o.filter;
    this.sink = o.sink;
    this.maxQueue = o.maxQueue;
    this.bookmarks = o.bookmarks;
    this.kind = o.kind;
    this.apiVersion = o.apiVersion;
    this.onEnd = o.onEnd;
    this.startRevision = o.startRevision;
    this.format = o.format;
  }

  /** Resolves once this watcher's stream has been flushed after ending. */
  finished(): Promise<void> {
    return this.sink.finished();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Queue the line this watcher should see for a store event, if any. `cached` returns the line
   * for the event's own type, shared by every watcher.
   * @returns true if something was queued
   */
  offer(ev: StoreEvent, cached: (ev: StoreEvent) => string): boolean {
    if (this.ended) return false;
    const line = this.lineFor(ev, cached);
    if (line === undefined) return false;
    this.push(line);
    return true;
  }

  /** The line this watcher should see for a store event, or undefined when it is filtered out. */
  lineFor(ev: StoreEvent, cached: (ev: StoreEvent) => string): string | undefined {
    if (ev.rev <= this.startRevision) return undefined;
    const now = matchesStored(this.filter, ev.entry);
    let type: string | undefined;
    if (ev.type === "ADDED") type = now ? "ADDED" : undefined;
    else if (ev.type === "DELETED") type = now || (ev.prev !== undefined && matchesStored(this.filter, ev.prev)) ? "DELETED" : undefined;
    else {
      const before = ev.prev !== undefined && matchesStored(this.filter, ev.prev);
      // An object entering the selection is ADDED for this watcher; one leaving it is DELETED.
      type = now ? (before ? "MODIFIED" : "ADDED") : before ? "DELETED" : undefined;
    }
    if (type === undefined) return undefined;
    if (this.format) return eventLine(type, this.format(ev.entry.object(), ev.entry.json));
    return type === ev.type ? cached(ev) : eventLine(type, ev.entry.json);
  }

  /** Queue a BOOKMARK at `rev` (skipped while events are pending: they carry newer versions). */
  offerBookmark(rev: number): boolean {
    if (this.ended || this.queue.length > 0) return false;
    this.push(eventLine("BOOKMARK", `{"kind":"${this.kind}","apiVersion":"${this.apiVersion}","metadata":{"resourceVersion":"${rev}"}}`));
    return true;
  }

  /** Write lines directly (initial state, replay): bounded by the store, not by the queue limit. */
  writeInitial(lines: string[]): void {
    if (this.ended || lines.length === 0) return;
    if (!this.sink.write(lines)) this.block();
  }

  private push(line: string): void {
    this.queue.push(line);
    if (this.queue.length > this.maxQueue) this.end("cutoff");
  }

  /** Hand queued lines to the transport unless it is backed up. */
  flush(): void {
    this.dirty = false;
    if (this.ended || this.blocked || this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    if (!this.sink.write(lines)) this.block();
  }

  private block(): void {
    this.blocked = true;
    this.sink.onDrain(() => {
      this.blocked = false;
      this.flush();
    });
  }

  /** Write a final line (an ERROR event) and end. */
  fail(line: string): void {
    if (this.ended) return;
    this.sink.write([line]);
    this.end("closed");
  }

  /** End the stream; idempotent. */
  end(reason: "cutoff" | "closed" | "timeout"): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.sink.end();
    this.onEnd(this, reason);
  }
}
