/**
 * Time as the control loops see it: an injectable clock (so tests move time by hand instead of
 * sleeping) and capped exponential back-off, per key or for one retry loop.
 */

/** A scheduled callback that can be cancelled. */
export interface Timer {
  cancel(): void;
}

/** The source of time and timers. Production code takes one; tests pass a {@link FakeClock}. */
export interface Clock {
  /** milliseconds, monotonic enough for delays (not necessarily wall time) */
  now(): number;
  /** Run `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): Timer;
}

/**
 * The real clock. Its timers are unref'd: a pending retry alone must not keep a process alive
 * (whatever owns the retry keeps the process up for as long as it runs).
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to. Timers fire in time order during {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const t: FakeTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(t);
    return { cancel: () => (t.cancelled = true) };
  }

  /** Move time forward by `ms`, firing every timer that falls due (including ones set while firing). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  /** How many timers are waiting to fire. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** When the next timer fires, or undefined if none is waiting. */
  nextTimerAt(): number | undefined {
    return this.nextDue(Infinity)?.at;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    }
    return best;
  }
}

/** Capped exponential back-off settings. */
export interface BackoffOptions {
  /** first delay (ms) */
  baseMs: number;
  /** no delay is ever longer (ms) */
  capMs: number;
  /** growth per failure; default 2 */
  factor?: number;
}

/** `base × factor^failures`, capped (failures counted before this one). */
export function backoffDelay(opts: BackoffOptions, failures: number): number {
  const d = opts.baseMs * Math.pow(opts.factor ?? 2, failures);
  return Number.isFinite(d) ? Math.min(opts.capMs, d) : opts.capMs;
}

/** Back-off for one retry loop (a watch reconnecting): `next()` grows the delay, `reset()` after a success. */
export class ExponentialBackoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.opts, this.failures++);
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}

/**
 * Back-off tracked per key, as client-go's ItemExponentialFailureRateLimiter: each failure of a
 * key doubles its next delay up to the cap; `forget` starts it over.
 */
export class PerKeyBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay for this retry of `key` (counting it as one more failure). */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return backoffDelay(this.opts, n);
  }

  /** How many times `key` has failed since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}
