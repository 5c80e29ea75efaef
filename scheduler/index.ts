/**
 * The scheduler component: `startScheduler` runs it against an API server until `stop()`.
 * See README.md for how a decision is made.
 */
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import type { SharedInformers } from "../lib/shared-informers.js";
import { Scheduler, type SchedulerConfig, type SchedulerStats } from "./scheduler.js";

export { Scheduler, type SchedulerConfig, type SchedulerStats } from "./scheduler.js";
export { fitErrorMessage, NO_NODES_MESSAGE } from "./fit-error.js";

export interface StartSchedulerOptions {
  client: ApiClient;
  logger: Logger;
  /** seed of the tie-breaks between equally good nodes (default 1): same seed, same placements */
  seed?: number;
  /** clock for timestamps the scheduler writes */
  now?: () => Date;
  /** tuning; see SchedulerConfig */
  parallelBinds?: number;
  scheduledEvents?: boolean;
  /** informers shared with other components of the process (`kctl server`); default: its own */
  informers?: SharedInformers;
}

export interface RunningScheduler {
  stop(): Promise<void>;
  /** counters since start */
  stats(): SchedulerStats;
}

/** Start the scheduler: list+watch nodes and pods, then schedule pending pods until `stop()`. */
export async function startScheduler(opts: StartSchedulerOptions): Promise<RunningScheduler> {
  const cfg: SchedulerConfig = {
    client: opts.client,
    logger: opts.logger,
    seed: opts.seed,
    now: opts.now,
    parallelBinds: opts.parallelBinds,
    scheduledEvents: opts.scheduledEvents,
    informers: opts.informers,
  };
  const s = new Scheduler(cfg);
  await s.start();
  return { stop: () => s.stop(), stats: () => ({ ...s.stats }) };
}
