/**
 * Kubernetes' slow-start batching: run `count` calls in batches of 1, 2, 4, ... in parallel,
 * stopping at the first batch with a failure so that a quota or a broken template costs one
 * request, not hundreds.
 */

/** The batch sizes slow start uses for `count` items starting at `initial`. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = [];
  let remaining = count;
  let size = Math.max(1, initial);
  while (remaining > 0) {
    const n = Math.min(size, remaining);
    out.push(n);
    remaining -= n;
    size *= 2;
  }
  return out;
}

/** Result of a slow-start run: how many calls succeeded, and the first error if any. */
export interface SlowStartResult {
  succeeded: number;
  /** calls never attempted because an earlier batch failed */
  skipped: number;
  error?: unknown;
}

/** Run `fn(i)` for i in [0, count) in slow-start batches. */
export async function slowStart(count: number, fn: (i: number) => Promise<void>, initial = 1): Promise<SlowStartResult> {
  let succeeded = 0;
  let done = 0;
  for (const size of slowStartBatches(count, initial)) {
    const results = await Promise.allSettled(Array.from({ length: size }, (_, j) => fn(done + j)));
    done += size;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    succeeded += results.filter((r) => r.status === "fulfilled").length;
    if (failed) return { succeeded, skipped: count - done, error: failed.reason };
  }
  return { succeeded, skipped: 0 };
}
