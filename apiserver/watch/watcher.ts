/**
 * One watch stream: filters store events for its client, turns selector transitions into
 * ADDED/DELETED, and writes to a transport (chunked HTTP or WebSocket).
 *
 * Memory per client is bounded: the initial state (or replay) is a backlog of references to the
 * store's own immutable entries, streamed in chunks of about CHUNK_BYTES only as fast as the
 * transport drains; live events queue behind it, bounded in count and bytes. A watcher whose queue
 * overflows, or whose transport stays backed up past the write deadline, is cut off (its
 * connection closed, freeing what the socket held) instead of growing memory or slowing down
 * writers; the client resumes from its last resourceVersion or relists, as Kubernetes clients do.
 */
import type { KObject } from "../../lib/types.js";
import type { StoreEvent } from "../store/store.js";
import { matchesStored, type Selection } from "../store/selection.js";

/** What a watch selects (the same selection a list takes). */
export type WatchFilter = Selection;
export { matchesStored };

/** A transport for watch lines. */
export interface WatchSink {
  /** Write complete `{"type":..,"object":..}` lines (each ends in `\n`). False = backed up. */
  write(lines: readonly string[]): boolean;
  /** Call `cb` once when the transport can take more. */
  onDrain(cb: () => void): void;
  /** End the stream cleanly. */
  end(): void;
  /** Close the connection at once, dropping whatever is still buffered (a cut-off client). */
  abort(): void;
  /** Resolves once the ended stream is flushed to the OS (or the connection is gone). */
  finished(): Promise<void>;
}

/** `{"type":"ADDED","object":{...}}\n` built from already-serialized JSON. */
export function eventLine(type: string, json: string): string {
  return `{"type":"${type}","object":${json}}\n`;
}

/**
 * The initial state or replay a watch starts with: `size` lines made on demand from the store's
 * shared entries, so a client that does not read holds references, not copies.
 */
export interface Backlog {
  size: number;
  /** the i-th line, or undefined when this watcher skips that item */
  line(i: number): string | undefined;
}

/** How much of the backlog is handed to the transport at a time. */
const CHUNK_BYTES = 64 * 1024;

export interface WatcherOptions {
  resource: string;
  filter: WatchFilter;
  sink: WatchSink;
  /** queue bound in events; beyond it the watcher is cut off */
  maxQueue: number;
  /** queue bound in bytes (UTF-16 code units of the queued lines); beyond it the watcher is cut off */
  maxQueueBytes: number;
  /** a transport backed up longer than this is cut off */
  writeDeadlineMs: number;
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
  private readonly maxQueueBytes: number;
  private readonly writeDeadlineMs: number;
  private readonly kind: string;
  private readonly apiVersion: string;
  private readonly onEnd: WatcherOptions["onEnd"];
  private readonly startRevision: number;
  private readonly format?: (obj: KObject, json: string) => string;
  private queue: string[] = [];
  private queueBytes = 0;
  /** the initial state still to send, and how far it got */
  private backlog: Backlog | undefined;
  private backlogNext = 0;
  private deadline: NodeJS.Timeout | undefined;
  private blocked = false;
  private ended = false;
  /** true while events are waiting for the hub's next flush */
  dirty = false;

  constructor(o: WatcherOptions) {
    this.resource = o.resource;
    this.filter = o.filter;
    this.sink = o.sink;
    this.maxQueue = o.maxQueue;
    this.maxQueueBytes = o.maxQueueBytes;
    this.writeDeadlineMs = o.writeDeadlineMs;
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
    if (this.ended || this.queue.length > 0 || this.backlog) return false;
    this.push(eventLine("BOOKMARK", `{"kind":"${this.kind}","apiVersion":"${this.apiVersion}","metadata":{"resourceVersion":"${rev}"}}`));
    return true;
  }

  /**
   * Start sending the initial state or replay. It goes out in chunks as the transport drains;
   * live events queue behind it (bounded), so the order stays snapshot, then events after it.
   */
  writeInitial(backlog: Backlog): void {
    if (this.ended || backlog.size === 0) return;
    this.backlog = backlog;
    this.backlogNext = 0;
    this.flush();
  }

  private push(line: string): void {
    this.queue.push(line);
    this.queueBytes += line.length;
    if (this.queue.length > this.maxQueue || this.queueBytes > this.maxQueueBytes) this.end("cutoff");
  }

  /** Hand the backlog, then queued lines, to the transport until it is backed up. */
  flush(): void {
    this.dirty = false;
    while (!this.ended && !this.blocked && this.backlog) {
      const chunk: string[] = [];
      let bytes = 0;
      const b = this.backlog;
      while (this.backlogNext < b.size && bytes < CHUNK_BYTES) {
        const line = b.line(this.backlogNext++);
        if (line === undefined) continue;
        chunk.push(line);
        bytes += line.length;
      }
      if (this.backlogNext >= b.size) this.backlog = undefined;
      if (chunk.length > 0 && !this.sink.write(chunk)) this.block();
    }
    if (this.ended || this.blocked || this.backlog || this.queue.length === 0) return;
    const lines = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    if (!this.sink.write(lines)) this.block();
  }

  private block(): void {
    this.blocked = true;
    // A client that takes no bytes for this long is gone or hostile: cut it off.
    this.deadline = setTimeout(() => this.end("cutoff"), this.writeDeadlineMs);
    this.deadline.unref();
    this.sink.onDrain(() => {
      clearTimeout(this.deadline);
      this.deadline = undefined;
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
    this.queueBytes = 0;
    this.backlog = undefined;
    clearTimeout(this.deadline);
    // A cut-off client is not reading: ending politely would keep its unsent bytes in memory.
    if (reason === "cutoff") this.sink.abort();
    else this.sink.end();
    this.onEnd(this, reason);
  }
}
