/** Periodic compaction of the revision log. */
import type { Logger } from "pino";
import type { Store } from "./store/store.js";

export interface CompactionOptions {
  /** always keep at least this many of the newest revisions (default 10,000) */
  keepRevisions?: number;
  /** and everything younger than this (default 5 minutes) */
  keepMinutes?: number;
  /** how often to compact (default 60 s) */
  intervalMs?: number;
}

/** Start compacting on a timer; returns a stop function. */
export function startCompaction(store: Store, opts: CompactionOptions, logger: Logger): () => void {
  const keepRevisions = opts.keepRevisions ?? 10_000;
  const keepMs = (opts.keepMinutes ?? 5) * 60_000;
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // an etcd compaction can outlast the interval
    running = true;
    const before = store.compactedRevision();
    store
      .compact(keepRevisions, keepMs)
      .then((after) => {
        if (after !== before) logger.debug({ compactedRevision: after }, "compacted the revision log");
      })
      .catch((e: unknown) => logger.error({ err: e }, "compaction failed"))
      .finally(() => (running = false));
  }, opts.intervalMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
