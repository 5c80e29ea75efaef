/**
 * The controller runner: informer handlers enqueue `namespace/name` keys, N workers take keys one
 * at a time (never the same key twice at once), call `reconcile(key)`, and re-queue failures with
 * per-key capped back-off; a reconcile may ask to be called again after a delay.
 *
 * ```
 *  informer events ──► enqueue(key) ──► WorkQueue ──► worker ──► reconcile(key)
 *                                          ▲                        │ throws: addRateLimited(key)
 *                                          └────────────────────────┤ requeueAfterMs: addAfter(key)
 *                                                                   └ ok: forget(key)
 * ```
 */
import type { Logger } from "../lib/logger.js";
import { runWorkers, WorkQueue } from "../lib/workqueue.js";

/** What a reconcile may ask for besides success. */
export interface ReconcileResult {
  /** call reconcile for this key again after this many ms (time-based conditions) */
  requeueAfterMs?: number;
}

/** One key's reconcile: re-read the cache, plan, apply, write status. Throw to retry with back-off. */
export type ReconcileFn = (key: string, log: Logger) => Promise<ReconcileResult | void>;

export interface ControllerOptions {
  /** e.g. "replicaset-controller": bound to every log line as `controller` */
  name: string;
  logger: Logger;
  reconcile: ReconcileFn;
  /** parallel workers (keys in flight); default 2 */
  workers?: number;
  /** first retry delay (ms); default 5 */
  baseDelayMs?: number;
  /** retry delay cap (ms); default 30 s */
  maxDelayMs?: number;
}

/** A workqueue-driven controller. */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private running?: Promise<void>;

  constructor(private readonly opts: ControllerOptions) {
    this.name = opts.name;
    this.log = opts.logger.child({ controller: opts.name });
    this.queue = new WorkQueue({ baseDelayMs: opts.baseDelayMs ?? 5, maxDelayMs: opts.maxDelayMs ?? 30_000 });
  }

  /** Queue a key (coalesces with a pending one). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Queue a key after `ms`. */
  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /** Start the workers (returns at once). */
  start(): void {
    if (this.running) return;
    const handler = async (key: string): Promise<void> => {
      const log = this.log.child({ key });
      const started = Date.now();
      const res = await this.opts.reconcile(key, log);
      log.debug({ ms: Date.now() - started }, "reconciled");
      if (res?.requeueAfterMs !== undefined) this.queue.addAfter(key, Math.max(0, res.requeueAfterMs));
    };
    this.running = runWorkers(this.queue, this.opts.workers ?? 2, handler, this.log);
  }

  /** Stop taking keys and wait for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.queue.whenIdle();
    await this.running;
  }
}
