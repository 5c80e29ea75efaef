/**
 * Time as the control loops see it: one injectable clock (milliseconds and timers), so tests move
 * time by hand instead of sleeping. `realClock` is monotonic (delays, back-off, resyncs);
 * `wallClock` reads wall time, for code that compares with timestamps from elsewhere (the kubelet
 * against the engine's finishedAt). Pure plans take the time as a value (`now: Date`) instead.
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

/** Wall time (Date.now) with the real clock's unref'd timers. */
export const wallClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => realClock.setTimer(fn, ms),
};
