/**
 * Capped exponential back-off, per key or for one retry loop (the delays; lib/clock.ts runs them).
 */

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
