/**
 * The controller workqueue, with client-go's guarantees:
 *
 * - a key waits in the queue at most once, however often it is added (events coalesce);
 * - a key is handed to one worker at a time: added again while being processed, it is queued
 *   again only when that worker calls `done(key)`;
 * - failures are retried after a per-key, capped, exponential back-off (`addRateLimited`),
 *   reset by `forget`; `addAfter` delays an add (keeping the earliest time when repeated).
 *
 * ```
 *  add ──► dirty? ─no─► queue ──get──► processing ──done──► (dirty again? back to queue)
 *  addAfter / addRateLimited ──timer──► add
 * ```
 */
import { PerKeyBackoff } from "./backoff.js";
import { realClock, type Clock, type Timer } from "./clock.js";
import type { Logger } from "./logger.js";
import { isConflict } from "./errors.js";

export interface WorkQueueOptions {
  /** first retry delay of `addRateLimited` (ms); default 5 */
  baseDelayMs?: number;
  /** longest retry delay (ms); default 60,000 */
  maxDelayMs?: number;
  /** time source; default the real clock */
  clock?: Clock;
}

interface Waiting {
  at: number;
  timer: Timer;
}

/** A deduplicating, per-key-exclusive queue of string keys (`namespace/name`). */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly backoff: PerKeyBackoff;
  /** FIFO of keys ready to hand out; `head` avoids O(n) shifts */
  private items: string[] = [];
  private head = 0;
  /** keys that need processing (queued, or re-added while processing) */
  private readonly dirty = new Set<string>();
  /** keys a worker holds right now */
  private readonly processing = new Set<string>();
  /** delayed adds, by key */
  private readonly waiting = new Map<string, Waiting>();
  /** workers blocked in get() */
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.backoff = new PerKeyBackoff({ baseMs: opts.baseDelayMs ?? 5, capMs: opts.maxDelayMs ?? 60_000 });
  }

  /** Queue `key` unless it is already queued. Ignored after shutdown. */
  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A key being processed is re-queued by done(), never handed to a second worker.
    if (this.processing.has(key)) return;
    this.items.push(key);
    this.dispatch();
  }

  /** Queue `key` after `ms` milliseconds. Repeated calls keep the earliest time. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing) {
      if (existing.at <= at) return;
      existing.timer.cancel();
    }
    const timer = this.clock.setTimer(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Queue `key` after its back-off: base × 2^failures, capped; each call counts a failure. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.backoff.when(key));
  }

  /** Reset the back-off of `key` (call after it was processed successfully). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** How many times `key` has been retried through `addRateLimited` since it was last forgotten. */
  numRequeues(key: string): number {
    return this.backoff.retries(key);
  }

  /**
   * The next key to process; the caller owns it until `done(key)`. Waits while the queue is
   * empty. Resolves `undefined` once the queue is shut down (queued keys are then dropped:
   * controllers are level-triggered, so the next start lists everything again).
   */
  get(): Promise<string | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The worker finished `key`; if it was added meanwhile, it goes back in the queue. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.stopped) {
      this.items.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Keys waiting to be handed out (not counting ones in progress or delayed). */
  len(): number {
    return this.items.length - this.head;
  }

  /** Keys in progress right now. */
  inFlight(): number {
    return this.processing.size;
  }

  /** Stop: pending and future `get()` calls resolve `undefined`, delayed adds are cancelled. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    this.items = [];
    this.head = 0;
    for (const g of this.getters.splice(0)) g(undefined);
  }

  get shuttingDown(): boolean {
    return this.stopped;
  }

  /** Resolves when no key is in progress (after `shutdown`, to let workers finish). */
  whenIdle(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private take(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++]!;
    // Compact now and then so a long-lived queue does not keep a growing array.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private dispatch(): void {
    while (this.getters.length > 0) {
      const key = this.take();
      if (key === undefined) return;
      this.getters.shift()!(key);
    }
  }
}

/** Reconciles one key; a rejection means "retry later with back-off". */
export type KeyHandler = (key: string) => Promise<void>;

/**
 * Run `n` workers on `queue` until it shuts down. Success forgets the key's back-off; failure
 * logs and re-queues the key with back-off. Resolves once every worker has stopped.
 */
export async function runWorkers(queue: WorkQueue, n: number, handler: KeyHandler, logger: Logger): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await handler(key);
        queue.forget(key);
      } catch (err) {
        // A Conflict is optimistic concurrency doing its job (another writer got there first):
        // routine during bursts, so it is logged quietly; anything else is worth a warning.
        const level = isConflict(err) ? "debug" : "warn";
        logger[level]({ key, err, retries: queue.numRequeues(key) }, "reconcile failed; retrying with back-off");
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
}
