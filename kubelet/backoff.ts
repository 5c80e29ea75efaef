/**
 * Capped exponential back-off for container restarts and image pulls, as pure functions over a
 * small record per key (`<podUID>/<container>` or `<podUID>/<container>/pull`).
 *
 * Restarts: the first restart is immediate, then `base`, `2*base`, ... up to `cap`. A container
 * that ran at least `resetAfter` before it exited starts the sequence again (Kubernetes: 10 s
 * doubling to 5 min, reset after 10 min of running; kctl's defaults are lab friendly: 1 s to 60 s).
 */

/** Back-off settings, in milliseconds. */
export interface BackoffConfig {
  baseMs: number;
  capMs: number;
  /** a container that ran this long before exiting resets its back-off */
  resetAfterMs: number;
}

/** The default, lab-friendly settings. */
export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 1000, capMs: 60_000, resetAfterMs: 600_000 };

/** What is remembered per key. */
export interface BackoffEntry {
  /** the delay applied after the instance `containerId` exited (0 = restarted at once) */
  delayMs: number;
  /** the container instance this delay was computed for (restart back-off) */
  containerId?: string;
  /** until when the next attempt waits (image pull back-off) */
  untilMs?: number;
  /** the last failure's message (image pull back-off) */
  message?: string;
  /** the last failure's waiting reason (ErrImagePull, ErrImageNeverPull) */
  reason?: string;
  /** failures in a row (image pull back-off) */
  failures?: number;
}

/** The key for a container's restart back-off. */
export function restartKey(podUid: string, container: string): string {
  return `${podUid}/${container}`;
}

/** The key for a container's image-pull back-off. */
export function pullKey(podUid: string, container: string): string {
  return `${podUid}/${container}/pull`;
}

/**
 * The delay before restarting a container instance that just exited, given the entry of the
 * previous restart (if any) and how long the instance ran.
 */
export function nextRestartDelay(prev: BackoffEntry | undefined, ranMs: number, cfg: BackoffConfig): number {
  if (!prev || ranMs >= cfg.resetAfterMs) return 0;
  if (prev.delayMs <= 0) return Math.min(cfg.baseMs, cfg.capMs);
  return Math.min(prev.delayMs * 2, cfg.capMs);
}

/** The next image-pull back-off entry after a failed pull at `now`. */
export function nextPullBackoff(prev: BackoffEntry | undefined, now: number, message: string, cfg: BackoffConfig, reason = "ErrImagePull"): BackoffEntry {
  const delayMs = prev ? Math.min(Math.max(prev.delayMs * 2, cfg.baseMs), cfg.capMs) : Math.min(cfg.baseMs, cfg.capMs);
  return { delayMs, untilMs: now + delayMs, message, reason, failures: (prev?.failures ?? 0) + 1 };
}

/** Human form of a delay as Kubernetes prints it in CrashLoopBackOff messages (`back-off 10s`). */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m}m${r}s` : `${m}m0s`;
}
