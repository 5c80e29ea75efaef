/**
 * The probe manager: one set of workers (startup, liveness, readiness) per running container
 * instance. Results feed the status (ready/started) and the plan (unhealthy instances are
 * killed and restarted). Liveness and readiness wait until the startup probe has succeeded.
 */
import { networkHolder } from "../network-holder.js";
import type { Pod } from "../../lib/types.js";
import type { Clock } from "../../lib/clock.js";
import type { ProbeView } from "../pod-status.js";
import type { ObservedContainer } from "../runtime/types.js";
import type { ProbeOutcome, ProbeTarget } from "./handlers.js";
import { ProbeWorker, type ProbeKind } from "./worker.js";

interface Entry {
  podUid: string;
  workers: Map<ProbeKind, ProbeWorker>;
}

/** A probe result changed. */
export interface ProbeChange {
  pod: Pod;
  containerName: string;
  containerId: string;
  kind: ProbeKind;
  result: boolean;
  message: string;
}

/** Runs probes for this node's containers. */
export class ProbeManager implements ProbeView {
  private readonly entries = new Map<string, Entry>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly clock: Clock,
    /** run one probe against a target */
    private readonly runProbe: (probe: NonNullable<Pod["spec"]["containers"][number]["livenessProbe"]>, target: ProbeTarget) => Promise<ProbeOutcome>,
    /** exec in a container (for exec probes) */
    private readonly exec: (id: string, cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>,
    private readonly onChange: (c: ProbeChange) => void,
  ) {}

  ready(id: string): boolean | undefined {
    return this.entries.get(id)?.workers.get("readiness")?.result;
  }

  started(id: string): boolean {
    const w = this.entries.get(id)?.workers.get("startup");
    return w ? w.result : true;
  }

  /** Container IDs whose liveness or startup probe failed (to be restarted). */
  unhealthy(): ReadonlySet<string> {
    return this.failed;
  }

  /** Bring the workers of one pod in line with its running containers. */
  sync(pod: Pod, observed: readonly ObservedContainer[]): void {
    const uid = pod.metadata.uid ?? "";
    const holder = networkHolder(observed);
    const running = new Set<string>();
    for (const c of observed) {
      if (c.role !== "container" || c.state !== "running") continue;
      const spec = pod.spec.containers.find((s) => s.name === c.containerName);
      if (!spec || (!spec.livenessProbe && !spec.readinessProbe && !spec.startupProbe)) continue;
      running.add(c.id);
      if (this.entries.has(c.id)) continue;
      const entry: Entry = { podUid: uid, workers: new Map() };
      this.entries.set(c.id, entry);
      const startedAt = c.startedAt ? Date.parse(c.startedAt) : this.clock.now();
      const target: ProbeTarget = {
        podIP: holder?.ip || "127.0.0.1",
        container: spec,
        exec: (cmd, timeoutMs) => this.exec(c.id, cmd, timeoutMs),
      };
      const startedGate = (): boolean => this.started(c.id);
      const add = (kind: ProbeKind, probe: typeof spec.livenessProbe): void => {
        if (!probe) return;
        const w = new ProbeWorker(
          kind,
          probe,
          this.clock,
          Number.isNaN(startedAt) ? this.clock.now() : startedAt,
          () => this.runProbe(probe, target),
          (result, message) => {
            if (!result && kind !== "readiness") this.failed.add(c.id);
            this.onChange({ pod, containerName: spec.name, containerId: c.id, kind, result, message });
          },
          kind === "startup" ? undefined : startedGate,
        );
        entry.workers.set(kind, w);
      };
      add("startup", spec.startupProbe);
      add("liveness", spec.livenessProbe);
      add("readiness", spec.readinessProbe);
    }
    for (const [id, e] of this.entries) {
      if (e.podUid === uid && !running.has(id)) this.drop(id);
    }
  }

  /** Stop every worker of a pod. */
  removePod(uid: string): void {
    for (const [id, e] of this.entries) if (e.podUid === uid) this.drop(id);
  }

  /** Stop everything. */
  stop(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }

  private drop(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    for (const w of e.workers.values()) w.stop();
    this.entries.delete(id);
    this.failed.delete(id);
  }
}
