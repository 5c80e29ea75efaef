/**
 * The scheduler component: `startScheduler` runs it against an API server until `stop()`.
 * See README.md for how a decision is made.
 */
import { Scheduler, type SchedulerConfig, type SchedulerStats } from "./scheduler.js";

export { Scheduler, type SchedulerConfig, type SchedulerStats } from "./scheduler.js";
export { fitErrorMessage, NO_NODES_MESSAGE } from "./fit-error.js";

/**
 * What `startScheduler` takes: the scheduler's settings that callers choose (the queue back-off
 * stays at its defaults), plus `informers` shared with other components of the process
 * (`kctl server`); by default the scheduler makes its own.
 */
export type StartSchedulerOptions = Pick<SchedulerConfig, "client" | "logger" | "seed" | "now" | "parallelBinds" | "scheduledEvents" | "informers">;

export interface RunningScheduler {
  stop(): Promise<void>;
  /** counters since start */
  stats(): SchedulerStats;
}

/** Start the scheduler: list+watch nodes and pods, then schedule pending pods until `stop()`. */
export async function startScheduler(opts: StartSchedulerOptions): Promise<RunningScheduler> {
  const s = new Scheduler(opts);
  await s.start();
  return { stop: () => s.stop(), stats: () => ({ ...s.stats }) };
}
