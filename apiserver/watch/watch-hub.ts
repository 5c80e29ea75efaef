/**
 * Fans committed store events out to every watcher. Events are queued per watcher synchronously
 * on commit and flushed once per event-loop turn, so a burst of writes becomes one socket write
 * per watcher instead of one per event. Replay + registration happen in the same synchronous
 * turn as the store read, so a watch never misses or repeats an event.
 */
import type { Logger } from "pino";
import type { Store, StoreEvent } from "../store/store.js";
import { eventLine, matchesStored, Watcher, type Backlog, type WatchFilter, type WatchSink } from "./watcher.js";

/** Default bound of a watcher's queued live events, in bytes (UTF-16 code units). */
export const DEFAULT_QUEUE_BYTES = 16 * 1024 * 1024;
/** Default time a watcher's transport may stay backed up before the watcher is cut off. */
export const DEFAULT_WRITE_DEADLINE_MS = 30_000;

export interface WatchRequest {
  resource: string;
  filter: WatchFilter;
  sink: WatchSink;
  /** undefined: synthetic ADDED for every current object first; N: replay events after N */
  fromRevision?: number;
  bookmarks: boolean;
  kind: string;
  apiVersion: string;
  /** re-encode objects (server-side Table printing) */
  format?: (obj: import("../../lib/types.js").KObject, json: string) => string;
  /** end the watch after this long (timeoutSeconds) */
  timeoutMs?: number;
}

export type WatchStart = { ok: true; watcher: Watcher } | { ok: false; compactedRevision: number };

export interface WatchHubOptions {
  /** per-watcher queue bound in events */
  maxQueue: number;
  /** per-watcher queue bound in bytes (default 16 MiB) */
  maxQueueBytes?: number;
  /** a watcher whose transport stays backed up this long is cut off (default 30 s) */
  writeDeadlineMs?: number;
  bookmarkIntervalMs?: number;
  logger?: Logger;
}

/** The fan-out point between the store and every open watch. */
export class WatchHub {
  private readonly store: Store;
  private readonly opts: WatchHubOptions;
  private readonly byResource = new Map<string, Set<Watcher>>();
  private readonly dirty: Watcher[] = [];
  private flushScheduled = false;
  private readonly unsubscribe: () => void;
  private readonly bookmarkTimer: NodeJS.Timeout;
  private readonly timers = new Map<Watcher, NodeJS.Timeout>();
  private openCount = 0;
  /** the newest revision fanned out (bookmarks must never run ahead of delivered events) */
  private delivered: number;
  /** watchers cut off for being slow, since start */
  cutoffs = 0;

  constructor(store: Store, opts: WatchHubOptions) {
    this.store = store;
    this.opts = opts;
    this.delivered = store.currentRevision();
    this.unsubscribe = store.subscribe((events) => this.onEvents(events));
    this.bookmarkTimer = setInterval(() => this.bookmark(), opts.bookmarkIntervalMs ?? 1000);
    this.bookmarkTimer.unref();
  }

  /** Number of open watches (the metrics gauge). */
  get open(): number {
    return this.openCount;
  }

  /** Start a watch: initial state or replay, then live events, with no gap between them. */
  watch(req: WatchRequest): WatchStart {
    // The snapshot is the committed state at the committed revision (the store folds a commit in
    // before fanning it out, in one turn), and the watcher skips events at or below its start
    // revision, so nothing is missed and nothing is sent twice. It holds references to the
    // store's immutable entries; lines are made as the client reads them.
    const startRevision = req.fromRevision ?? this.store.currentRevision();
    let backlog: Backlog = { size: 0, line: () => undefined };
    if (req.fromRevision === undefined) {
      const items = this.store.list(req.resource, req.filter.namespace).filter((e) => matchesStored(req.filter, e));
      const format = req.format;
      backlog = { size: items.length, line: (i) => eventLine("ADDED", format ? format(items[i]!.object(), items[i]!.json) : items[i]!.json) };
    }
    const w = new Watcher({
      resource: req.resource,
      filter: req.filter,
      sink: req.sink,
      maxQueue: this.opts.maxQueue,
      maxQueueBytes: this.opts.maxQueueBytes ?? DEFAULT_QUEUE_BYTES,
      writeDeadlineMs: this.opts.writeDeadlineMs ?? DEFAULT_WRITE_DEADLINE_MS,
      bookmarks: req.bookmarks,
      kind: req.kind,
      apiVersion: req.apiVersion,
      startRevision,
      format: req.format,
      onEnd: (x, reason) => this.onEnd(x, reason),
    });
    if (req.fromRevision !== undefined) {
      const replay = this.store.eventsSince(req.fromRevision, req.resource);
      if (!replay.ok) return { ok: false, compactedRevision: replay.compactedRevision };
      // Replay is bounded by the revision log; like the initial list it streams as the client reads.
      const events = replay.events;
      backlog = { size: events.length, line: (i) => w.lineFor(events[i]!, (e) => eventLine(e.type, e.entry.json)) };
    }
    let set = this.byResource.get(req.resource);
    if (!set) this.byResource.set(req.resource, (set = new Set()));
    set.add(w);
    this.openCount++;
    w.writeInitial(backlog);
    if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
      const t = setTimeout(() => w.end("timeout"), req.timeoutMs);
      t.unref();
      this.timers.set(w, t);
    }
    return { ok: true, watcher: w };
  }

  /**
   * End every watch cleanly (shutdown) and resolve once their final bytes are flushed, so that
   * closing the server's idle connections right after cannot cut a stream mid-chunk. Waits at
   * most `timeoutMs` (a client that stopped reading must not block shutdown).
   */
  async closeAll(timeoutMs = 2000): Promise<void> {
    clearInterval(this.bookmarkTimer);
    const all: Watcher[] = [];
    for (const set of this.byResource.values()) all.push(...set);
    for (const w of all) w.end("closed");
    this.unsubscribe();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([Promise.all(all.map((w) => w.finished())), timeout]);
    clearTimeout(timer);
  }

  /** End every open watch now (the store lost its datastore): their clients watch again. */
  endAll(): void {
    for (const set of this.byResource.values()) for (const w of [...set]) w.end("closed");
  }

  private onEvents(events: readonly StoreEvent[]): void {
    // One line per event, shared by its watchers, for this fan-out only: a cache that outlived it
    // would keep a flattened copy of every event's JSON as long as the store's replay ring does.
    const lines = new Map<StoreEvent, string>();
    const cached = (e: StoreEvent) => {
      let l = lines.get(e);
      if (l === undefined) lines.set(e, (l = eventLine(e.type, e.entry.json)));
      return l;
    };
    if (events.length > 0) this.delivered = events[events.length - 1]!.rev;
    for (const ev of events) {
      const set = this.byResource.get(ev.resource);
      if (!set) continue;
      for (const w of set) {
        if (w.offer(ev, cached) && !w.dirty) {
          w.dirty = true;
          this.dirty.push(w);
        }
      }
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.dirty.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const list = this.dirty.splice(0);
      for (const w of list) w.flush();
    });
  }

  private bookmark(): void {
    const rev = this.delivered;
    for (const set of this.byResource.values()) {
      for (const w of set) {
        if (w.bookmarks && w.offerBookmark(rev) && !w.dirty) {
          w.dirty = true;
          this.dirty.push(w);
        }
      }
    }
    this.scheduleFlush();
  }

  private onEnd(w: Watcher, reason: string): void {
    const set = this.byResource.get(w.resource);
    if (set?.delete(w)) this.openCount--;
    const t = this.timers.get(w);
    if (t) clearTimeout(t);
    this.timers.delete(w);
    if (reason === "cutoff") {
      this.cutoffs++;
      this.opts.logger?.warn({ resource: w.resource }, "watcher cut off: its client is not keeping up");
    }
  }
}
