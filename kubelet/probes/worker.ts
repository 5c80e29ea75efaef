/**
 * One probe of one container instance (Kubernetes' prober worker): waits initialDelaySeconds
 * after the container started, then runs every periodSeconds, and flips its published result
 * only after successThreshold successes / failureThreshold failures in a row. Timers go through
 * an injectable clock.
 */
import type { Probe } from "../../lib/types.js";
import type { Clock, Timer } from "../../lib/clock.js";
import type { ProbeOutcome } from "./handlers.js";

/** liveness, readiness or startup. */
export type ProbeKind = "liveness" | "readiness" | "startup";

/** Settings with Kubernetes' defaults applied. */
export function probeSettings(p: Probe): { initialDelayMs: number; periodMs: number; successThreshold: number; failureThreshold: number } {
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/** Drives one probe; reports each change of its published result. */
export class ProbeWorker {
  /** the published result: readiness starts false, liveness true, startup false */
  result: boolean;
  private lastOutcome: boolean | undefined;
  private streak = 0;
  private timer: Timer | undefined;
  private stopped = false;
  private running = false;
  /** liveness/startup stop after reporting a failure: the container is about to be restarted */
  private onHold = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly clock: Clock,
    /** ms since the epoch the container started */
    startedAt: number,
    private readonly run: () => Promise<ProbeOutcome>,
    /** called on each change of `result`, with the message of the outcome that caused it */
    private readonly onChange: (result: boolean, message: string) => void,
    /** may this probe run now? (liveness/readiness wait for the startup probe) */
    private readonly gate: () => boolean = () => true,
  ) {
    this.result = kind === "liveness";
    const s = probeSettings(probe);
    const first = Math.max(0, startedAt + s.initialDelayMs - clock.now());
    this.timer = clock.setTimer(() => void this.tick(), first);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const s = probeSettings(this.probe);
    if (!this.running && !this.onHold && this.gate()) {
      this.running = true;
      let outcome: ProbeOutcome;
      try {
        outcome = await this.run();
      } finally {
        this.running = false;
      }
      if (this.stopped) return;
      this.record(outcome, s);
      if (this.kind === "startup" && this.result) return; // started: the startup probe is done
    }
    this.timer = this.clock.setTimer(() => void this.tick(), s.periodMs);
  }

  private record(o: ProbeOutcome, s: ReturnType<typeof probeSettings>): void {
    if (o.success === this.lastOutcome) this.streak++;
    else {
      this.lastOutcome = o.success;
      this.streak = 1;
    }
    const threshold = o.success ? s.successThreshold : s.failureThreshold;
    if (this.streak >= threshold && this.result !== o.success) {
      this.result = o.success;
      if (!o.success && this.kind !== "readiness") this.onHold = true;
      this.onChange(o.success, o.message);
    } else if (!o.success && this.kind !== "readiness" && this.streak >= threshold) {
      this.onHold = true;
      this.onChange(false, o.message);
    }
  }
}
