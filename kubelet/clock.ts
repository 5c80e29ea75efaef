/**
 * The kubelet's clock: lib/backoff's injectable Clock, but reading wall time (Date.now), because
 * the kubelet compares it with the engine's timestamps (a container's finishedAt). Tests pass
 * lib/backoff's FakeClock started at a wall time.
 */
import { realClock, type Clock } from "../lib/backoff.js";

export type { Clock, Timer } from "../lib/backoff.js";

/** Wall time with real (unref'd) timers. */
export const wallClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => realClock.setTimer(fn, ms),
};
