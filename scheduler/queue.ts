/**
 * The scheduling queue, after kube-scheduler's: three places a pending pod can wait.
 *
 *   add ──> activeQ (priority desc, then FIFO) ──pop──> scheduling
 *               ^                                         │ did not fit
 *               │ backoff expired                         v
 *           backoffQ  <── cluster event (node added/updated, pod deleted) ── unschedulable
 *
 * A pod that did not fit waits in `unschedulable` until something in the cluster changes that
 * could make it fit, then goes through `backoffQ` (1 s, doubling per attempt, capped at 10 s) so
 * that a storm of events does not re-run hopeless pods in a tight loop. A safety flush moves
 * pods that waited longer than `maxUnschedulableMs` anyway, in case an event was missed.
 *
 * A pod placed on a node whose claims still need binding there waits in `volumes` (not a fit
 * failure, so no back-off) until the scheduler sees them bound and `activate`s it.
 */
import { Heap } from "./heap.js";
import type { PodInfo } from "./types.js";

interface Entry {
  info: PodInfo;
  seq: number;
  attempts: number;
  where: "active" | "backoff" | "unschedulable" | "scheduling" | "volumes";
  backoffUntil: number;
  unschedulableSince: number;
}

export interface QueueOptions {
  /** milliseconds clock; injectable for tests */
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** unschedulable pods are retried at least this often even with no event (default 60 s) */
  maxUnschedulableMs?: number;
}

/** What `pop` hands the scheduling loop. */
export interface QueuedPod {
  info: PodInfo;
  /** how many times it has been tried before */
  attempts: number;
}

export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly active = new Heap<Entry>((a, b) => a.info.priority > b.info.priority || (a.info.priority === b.info.priority && a.seq < b.seq));
  private readonly backoff = new Heap<Entry>((a, b) => a.backoffUntil < b.backoffUntil);
  private seq = 0;
  private closed = false;
  private waiter: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;

  constructor(opts: QueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
    this.flushTimer = setInterval(() => this.flushUnschedulable(), Math.max(1000, this.maxUnschedulableMs / 4));
    this.flushTimer.unref();
  }

  /** Number of pods waiting anywhere (not counting the one being scheduled). */
  get length(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.where !== "scheduling") n++;
    return n;
  }

  /** Sizes of each sub-queue, for logs and tests. */
  stats(): { active: number; backoff: number; unschedulable: number; volumes: number } {
    const s = { active: 0, backoff: 0, unschedulable: 0, volumes: 0 };
    for (const e of this.entries.values()) if (e.where !== "scheduling") s[e.where]++;
    return s;
  }

  /** Are pods (probably) waiting to be scheduled right now? Cheap: may count stale slots. */
  hasActive(): boolean {
    return this.active.size > 0;
  }

  has(uid: string): boolean {
    return this.entries.has(uid);
  }

  /** A new pending pod, or a newer version of one already queued. */
  add(info: PodInfo): void {
    if (this.closed) return;
    const e = this.entries.get(info.uid);
    if (e) {
      e.info = info;
      // An updated pod may now fit (its spec changed): give it another try, within back-off.
      if (e.where === "unschedulable") this.moveToActiveOrBackoff(e);
      return;
    }
    const ne: Entry = { info, seq: this.seq++, attempts: 0, where: "active", backoffUntil: 0, unschedulableSince: 0 };
    this.entries.set(info.uid, ne);
    this.active.push(ne);
    this.wake();
  }

  /** A pod that was deleted or got bound elsewhere: stop trying it. */
  delete(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    this.entries.delete(uid);
    // Heaps are cleaned lazily: popped entries no longer in `entries` are skipped.
  }

  /** The scheduling loop could not place the pod: park it until the cluster changes. */
  addUnschedulable(uid: string): void {
    const e = this.entries.get(uid);
    if (!e || e.where !== "scheduling") return;
    e.attempts++;
    e.where = "unschedulable";
    e.unschedulableSince = this.now();
  }

  /** The pod has a node but waits for its claims to be bound there (see `activate`). */
  waitForVolumes(uid: string): void {
    const e = this.entries.get(uid);
    if (!e || e.where !== "scheduling") return;
    e.where = "volumes";
    e.unschedulableSince = this.now();
  }

  /**
   * What the pod waited for happened (its claims appeared or were bound): try it again now. Not
   * a fit failure of the cluster's making, so no back-off.
   */
  activate(uid: string): void {
    const e = this.entries.get(uid);
    if (e?.where === "volumes" || e?.where === "unschedulable") this.toActive(e);
  }

  /** Retry after an error (not a fit failure), with back-off. */
  addBackoff(uid: string): void {
    const e = this.entries.get(uid);
    if (!e || e.where !== "scheduling") return;
    e.attempts++;
    this.toBackoff(e);
  }

  /** The pod was placed (assumed): it leaves the queue. */
  done(uid: string): void {
    const e = this.entries.get(uid);
    if (e?.where === "scheduling") this.entries.delete(uid);
  }

  /** Something changed that may let unschedulable pods fit: retry them all (after back-off). */
  moveAllToActiveOrBackoff(): void {
    for (const e of this.entries.values()) if (e.where === "unschedulable") this.moveToActiveOrBackoff(e);
  }

  /**
   * The next pod to schedule, highest priority first, FIFO among equals. Waits while the queue is
   * empty; resolves `undefined` once closed.
   */
  async pop(): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      this.promoteBackoff();
      const e = this.active.pop();
      if (e) {
        if (this.entries.get(e.info.uid) !== e || e.where !== "active") continue; // stale heap slot
        e.where = "scheduling";
        return { info: e.info, attempts: e.attempts };
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        this.armBackoffTimer();
      });
    }
  }

  /** Wake any waiting `pop` with `undefined` and stop timers. */
  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    if (this.timer) clearTimeout(this.timer);
    this.wake();
  }

  private backoffMs(attempts: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, attempts - 1));
  }

  private moveToActiveOrBackoff(e: Entry): void {
    if (this.now() < e.unschedulableSince + this.backoffMs(e.attempts)) this.toBackoff(e, e.unschedulableSince);
    else this.toActive(e);
  }

  private toBackoff(e: Entry, from = this.now()): void {
    e.where = "backoff";
    e.backoffUntil = from + this.backoffMs(e.attempts);
    this.backoff.push(e);
    this.armBackoffTimer();
  }

  private toActive(e: Entry): void {
    e.where = "active";
    this.active.push(e);
    this.wake();
  }

  private promoteBackoff(): void {
    const now = this.now();
    for (;;) {
      const e = this.backoff.peek();
      if (!e || e.backoffUntil > now) break;
      this.backoff.pop();
      if (this.entries.get(e.info.uid) !== e || e.where !== "backoff") continue;
      e.where = "active";
      this.active.push(e);
    }
  }

  /** Keep one timer, due when the earliest back-off ends. */
  private armBackoffTimer(): void {
    if (this.closed) return;
    const e = this.backoff.peek();
    if (!e) return;
    if (this.timer) {
      if (this.timerAt <= e.backoffUntil) return;
      clearTimeout(this.timer);
    }
    this.timerAt = e.backoffUntil;
    const delay = Math.max(0, e.backoffUntil - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.promoteBackoff();
      if (this.active.size > 0) this.wake();
      this.armBackoffTimer();
    }, delay);
    this.timer.unref();
  }

  private flushUnschedulable(): void {
    const now = this.now();
    for (const e of this.entries.values()) {
      if ((e.where === "unschedulable" || e.where === "volumes") && now - e.unschedulableSince >= this.maxUnschedulableMs) this.toActive(e);
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
