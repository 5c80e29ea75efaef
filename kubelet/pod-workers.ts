/**
 * Per-pod workers, after Kubernetes' podWorkers: every pod has its own lane, so a pod that takes
 * a whole grace period to stop never delays the start, status or deletion of another pod.
 *
 * - One sync of a pod at a time. A pod updated (or deleted) while its sync runs is synced again
 *   as soon as that sync ends, and that sync reads the newest spec: the latest wins, updates in
 *   between coalesce.
 * - `updateAfter` schedules a later sync (keeping the earliest time when repeated): back-off,
 *   probes' periods, active deadlines.
 * - A sync that throws is retried on that lane alone, after a per-pod back-off (100 ms doubling
 *   to 30 s, reset by a sync that succeeds).
 * - The termination of a pod is explicit: `syncing` → `terminating` (containers being stopped)
 *   → `terminated` (all stopped and removed) → removed (the lane is forgotten once idle).
 *
 * The lanes do not bound the work the engine sees; the runtime does that where the engine needs
 * it (runtime/limited-runtime.ts).
 */
import type { Clock, Timer } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";

/** Where a pod's lane is in its life. */
export type PodWorkState = "syncing" | "terminating" | "terminated";

interface Lane {
  state: PodWorkState;
  running: boolean;
  /** a sync was asked for and has not begun yet */
  dirty: boolean;
  delayed?: { at: number; timer: Timer };
  failures: number;
  /** the pod is gone: forget the lane once nothing is pending */
  removed: boolean;
  /** syncs begun so far */
  begun: number;
  /** called once a sync numbered `from` or later ends */
  onSynced: { from: number; fn: () => void }[];
}

/** Options of {@link PodWorkers}. */
export interface PodWorkersOptions {
  /** one sync of one pod; a rejection is retried on that pod's lane with back-off */
  sync: (uid: string) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** first retry delay after a failed sync; default 100 ms */
  retryBaseMs?: number;
  /** longest retry delay; default 30 s */
  retryCapMs?: number;
}

/** The kubelet's pod lanes, keyed by pod UID. */
export class PodWorkers {
  private readonly lanes = new Map<string, Lane>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private started = false;

  constructor(private readonly o: PodWorkersOptions) {}

  /** Sync this pod as soon as its lane is free (coalesces with a sync already asked for). */
  update(uid: string): void {
    if (this.stopped || !uid) return;
    const lane = this.lane(uid);
    lane.dirty = true;
    lane.removed = false;
    if (!lane.running && this.started) void this.run(uid, lane);
  }

  /**
   * Begin syncing. Updates asked for before are held until now: the kubelet judges a pod an
   * orphan only after its first full list of pods, so nothing may sync before that.
   */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const [uid, lane] of this.lanes) if (lane.dirty && !lane.running) void this.run(uid, lane);
  }

  /** Sync this pod after `ms`; repeated calls keep the earliest time. */
  updateAfter(uid: string, ms: number): void {
    if (this.stopped || !uid) return;
    if (ms <= 0) return this.update(uid);
    const lane = this.lane(uid);
    const at = this.o.clock.now() + ms;
    if (lane.delayed) {
      if (lane.delayed.at <= at) return;
      lane.delayed.timer.cancel();
    }
    const timer = this.o.clock.setTimer(() => {
      lane.delayed = undefined;
      this.update(uid);
    }, ms);
    lane.delayed = { at, timer };
  }

  /** Record a step of the pod's termination (the syncer calls this). */
  setState(uid: string, state: PodWorkState): void {
    const lane = this.lanes.get(uid);
    if (lane) lane.state = state;
  }

  /**
   * The pod is gone from this node (containers removed, API object deleted or never ours): its
   * lane is forgotten once its current sync ends, unless something asked for a new sync since.
   */
  remove(uid: string): void {
    const lane = this.lanes.get(uid);
    if (!lane) return;
    lane.removed = true;
    lane.delayed?.timer.cancel();
    lane.delayed = undefined;
    if (!lane.running && !lane.dirty) {
      this.lanes.delete(uid);
      this.notify(lane, Infinity);
    }
  }

  /** The lane's state, or undefined once the pod was removed (or never seen). */
  state(uid: string): PodWorkState | undefined {
    return this.lanes.get(uid)?.state;
  }

  /**
   * Resolves once each of these pods has finished a sync that began after this call (a pod
   * without a lane counts as done). Lets a caller wait for "every pod looked at once" instead of
   * sleeping.
   */
  async synced(uids: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const uid of uids) {
      const lane = this.lanes.get(uid);
      if (!lane || this.stopped) continue;
      waits.push(new Promise<void>((resolve) => lane.onSynced.push({ from: lane.begun + 1, fn: resolve })));
      this.update(uid);
    }
    await Promise.all(waits);
  }

  /** How many pods are syncing right now. */
  running(): number {
    let n = 0;
    for (const l of this.lanes.values()) if (l.running) n++;
    return n;
  }

  /** How many lanes exist (pods known to the workers). */
  size(): number {
    return this.lanes.size;
  }

  /** Stop taking work; resolves when every running sync has ended (pending ones are dropped). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const l of this.lanes.values()) {
      l.delayed?.timer.cancel();
      l.delayed = undefined;
      l.dirty = false;
    }
    if (this.running() === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private lane(uid: string): Lane {
    let lane = this.lanes.get(uid);
    if (!lane) {
      lane = { state: "syncing", running: false, dirty: false, failures: 0, removed: false, begun: 0, onSynced: [] };
      this.lanes.set(uid, lane);
    }
    return lane;
  }

  private notify(lane: Lane, ended: number): void {
    const due = lane.onSynced.filter((w) => w.from <= ended);
    lane.onSynced = lane.onSynced.filter((w) => w.from > ended);
    for (const w of due) w.fn();
  }

  private async run(uid: string, lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.dirty && !this.stopped) {
        lane.dirty = false;
        const n = ++lane.begun;
        try {
          await this.o.sync(uid);
          lane.failures = 0;
        } catch (err) {
          const delay = Math.min(this.o.retryCapMs ?? 30_000, (this.o.retryBaseMs ?? 100) * 2 ** lane.failures);
          lane.failures++;
          this.o.logger.warn({ podUid: uid, err: (err as Error).message, retries: lane.failures }, "pod sync failed; retrying with back-off");
          this.updateAfter(uid, delay);
        }
        this.notify(lane, n);
      }
    } finally {
      lane.running = false;
      if (this.stopped) this.notify(lane, Infinity);
      if (lane.removed && !lane.dirty && !lane.delayed && this.lanes.get(uid) === lane) this.lanes.delete(uid);
      if (this.stopped && this.running() === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
