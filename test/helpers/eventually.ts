/**
 * The one way tests wait: poll a condition until it holds, with a deadline (never a fixed sleep).
 *
 *   await eventually("pod web Running", async () => (await get()).status?.phase === "Running" && pod)
 *
 * `fn` returns a truthy value when the condition holds (that value is returned) or a falsy one
 * when not yet; a throw counts as "not yet" and is reported at the deadline with the last value.
 * For logic driven by a fake clock, `afterTurns` waits event-loop turns instead of time.
 */

export interface EventuallyOptions {
  /** default 20 s */
  timeoutMs?: number;
  /** pause between polls; default 50 ms */
  intervalMs?: number;
}

type Maybe<T> = T | undefined | null | false;

/** Poll `fn` until it returns a truthy value; throws naming `what` (and the last value or error) at the deadline. */
export async function eventually<T>(what: string, fn: () => Maybe<T> | Promise<Maybe<T>>, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message ?? String(lastErr)})` : ""}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** Let the event loop turn (setImmediate) until `cond` holds, at most 10,000 turns: for fake-clock tests. */
export async function afterTurns(cond: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}
