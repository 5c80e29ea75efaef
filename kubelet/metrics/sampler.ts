/**
 * The kubelet's metrics sampler: every period it reads the engine's stats of this node's running
 * containers (one call per container, a few at a time, each with a deadline), turns them into
 * usage (usage.ts) and sends one NodeMetricsReport to the API server, which serves it as
 * `metrics.k8s.io` NodeMetrics and PodMetrics.
 *
 *   tick ──► running containers (the container cache) ──► stats, ≤ concurrency at once, each ≤ timeout
 *        ──► samples (rate vs. the last reading) ──► report: pods (app containers), node (all, sandboxes too)
 *        ──► PUT /apis/kctl.io/v1/nodemetricsreports/NODE ──► next tick after periodSeconds
 *
 * Why push to the API server (not an endpoint on the kubelet server for the API server to
 * scrape): components talk only through the API server, a node behind NAT still reports, one
 * small request per node per period scales with nodes, and `kubectl top` is answered from memory
 * without fanning out to every node.
 */
import type { ApiClient } from "../../lib/client.js";
import type { Clock, Timer } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { goDuration, METRICS_REPORTS_PATH, type ContainerMetrics, type NodeMetricsReport, type PodUsageReport } from "../../lib/metrics.js";
import { rfc3339 } from "../../lib/timestamps.js";
import type { ObservedContainer } from "../runtime/types.js";
import { sampleFromStats, usageQuantities, type ContainerSample, type CpuReading, type EngineStats } from "./usage.js";

/** Options of {@link MetricsSampler}. */
export interface MetricsSamplerOptions {
  client: Pick<ApiClient, "request">;
  nodeName: string;
  logger: Logger;
  /** wall clock (sample times are compared with the engine's timestamps) */
  clock: Clock;
  /** this node's containers as the kubelet knows them */
  containers: () => ObservedContainer[];
  /**
   * The engine's stats of one container. `oneShot`: answer at once without a previous reading
   * (Docker's `one-shot=true`); otherwise the engine waits for a second reading (~1 s).
   */
  stats: (id: string, oneShot: boolean, signal: AbortSignal) => Promise<EngineStats>;
  /** default 15 */
  periodSeconds?: number;
  /** parallel stats calls; default 4 */
  concurrency?: number;
  /** a stats call slower than this is abandoned for this period; default 5000 */
  statsTimeoutMs?: number;
}

/** Samples this node's containers and reports to the API server; see the file comment. */
export class MetricsSampler {
  private readonly last = new Map<string, CpuReading>();
  private timer: Timer | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly o: MetricsSamplerOptions) {}

  private get periodMs(): number {
    return (this.o.periodSeconds ?? 15) * 1000;
  }

  /** Sample now (containers already running are measured at once), then every period. */
  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.tick().finally(() => {
        if (!this.stopped) this.timer = this.o.clock.setTimer(loop, this.periodMs);
      });
    };
    loop();
  }

  /** Stop the loop and wait for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
  }

  /** One period: sample, report. Never throws (a failed report is logged and retried next period). */
  async tick(): Promise<void> {
    const report = await this.sample();
    try {
      await this.o.client.request("PUT", `${METRICS_REPORTS_PATH}/${encodeURIComponent(this.o.nodeName)}`, { body: report });
      if (this.failing) this.o.logger.info("metrics report accepted again");
      this.failing = false;
    } catch (err) {
      // Once per outage at warn: a server that is away for a while must not flood the log.
      if (!this.failing) this.o.logger.warn({ err: (err as Error).message }, "metrics report failed");
      this.failing = true;
    }
  }

  /** Read every running container's stats and build the report. */
  async sample(): Promise<NodeMetricsReport> {
    const now = this.o.clock.now();
    const running = this.o.containers().filter((c) => c.state === "running");
    const samples = new Map<string, ContainerSample>();
    await forEachLimited(running, this.o.concurrency ?? 4, async (c) => {
      const s = await this.measure(c, now);
      if (s) samples.set(c.id, s);
    });
    // Forget containers that are gone: a re-created one starts a new counter.
    const live = new Set(running.map((c) => c.id));
    for (const id of this.last.keys()) if (!live.has(id)) this.last.delete(id);
    return buildReport(this.o.nodeName, this.o.periodSeconds ?? 15, running, samples, now);
  }

  private async measure(c: ObservedContainer, now: number): Promise<ContainerSample | undefined> {
    const prev = this.last.get(c.id);
    const ac = new AbortController();
    const timeoutMs = this.o.statsTimeoutMs ?? 5000;
    let timer: Timer | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = this.o.clock.setTimer(() => {
        ac.abort();
        resolve(undefined);
      }, timeoutMs);
    });
    try {
      // A container seen for the first time gets the engine's two-reading answer: a rate at once.
      const stats = await Promise.race([this.o.stats(c.id, prev !== undefined, ac.signal), deadline]);
      if (!stats) {
        this.o.logger.debug({ container: c.name, timeoutMs }, "container stats timed out");
        return undefined;
      }
      const s = sampleFromStats(stats, prev, now);
      if (s) this.last.set(c.id, s.cpu);
      return s;
    } catch (err) {
      this.o.logger.debug({ container: c.name, err: (err as Error).message }, "container stats failed");
      return undefined;
    } finally {
      timer?.cancel();
    }
  }
}

/**
 * The report from one period's samples (pure). A pod is reported when each of its running app
 * containers has a rate; the node's usage sums every measured container, sandboxes included.
 */
export function buildReport(nodeName: string, periodSeconds: number, running: ObservedContainer[], samples: Map<string, ContainerSample>, nowMs: number): NodeMetricsReport {
  let nodeCpu = 0;
  let nodeMem = 0;
  let nodeAt = 0;
  let nodeWindow = 0;
  const pods = new Map<string, { c: ObservedContainer; s: ContainerSample | undefined }[]>();
  for (const c of running) {
    const s = samples.get(c.id);
    if (s?.nanoCores !== undefined) {
      nodeCpu += s.nanoCores;
      nodeWindow = Math.max(nodeWindow, s.windowMs ?? 0);
    }
    if (s) {
      nodeMem += s.workingSetBytes;
      nodeAt = Math.max(nodeAt, s.cpu.atMs);
    }
    if (c.role !== "container") continue;
    const list = pods.get(c.podUid) ?? [];
    list.push({ c, s });
    pods.set(c.podUid, list);
  }
  const podReports: PodUsageReport[] = [];
  for (const [uid, list] of pods) {
    if (list.some((x) => x.s?.nanoCores === undefined)) continue;
    const containers: ContainerMetrics[] = list
      .map(({ c, s }) => ({ name: c.containerName, usage: usageQuantities(s!.nanoCores!, s!.workingSetBytes) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const at = Math.max(...list.map((x) => x.s!.cpu.atMs));
    const window = Math.max(...list.map((x) => x.s!.windowMs ?? 0));
    const first = list[0]!.c;
    podReports.push({ namespace: first.podNamespace, name: first.podName, uid, timestamp: rfc3339(new Date(at)), window: goDuration(window), containers });
  }
  podReports.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return {
    apiVersion: "kctl.io/v1",
    kind: "NodeMetricsReport",
    node: nodeName,
    periodSeconds,
    timestamp: rfc3339(new Date(nodeAt || nowMs)),
    window: goDuration(nodeWindow),
    usage: usageQuantities(nodeCpu, nodeMem),
    pods: podReports,
  };
}

/** Run `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
