/**
 * From the engine's container stats to usage, as cAdvisor and metrics-server compute it (pure):
 *
 *   cpu     a rate: Δ cumulative CPU time (ns) / Δ wall time (s) = nanocores, between two samples
 *   memory  the working set: usage − inactive_file (page cache the kernel can drop at once),
 *           never below zero; cgroup v1 names it total_inactive_file, cgroup v2 inactive_file
 */
import { formatQuantity, fromValue } from "../../lib/quantity.js";
import type { ResourceUsage } from "../../lib/metrics.js";

/** The part of Docker's `GET /containers/{id}/stats` answer that usage is computed from. */
export interface EngineStats {
  /** when the engine read the counters (RFC 3339 with nanoseconds) */
  read?: string;
  /** when it read `precpu_stats` (zero time when it did not: a one-shot answer) */
  preread?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  precpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number | undefined> };
}

/** A cumulative CPU reading. */
export interface CpuReading {
  /** wall time of the reading, ms since the epoch */
  atMs: number;
  /** CPU time used since the container started, ns */
  usageNs: number;
}

/** One container measured: its newest CPU reading, the rate when known, the working set. */
export interface ContainerSample {
  cpu: CpuReading;
  /** nanocores over `windowMs`; undefined until two readings are known */
  nanoCores?: number;
  windowMs?: number;
  workingSetBytes: number;
}

/**
 * The CPU rate between two readings of one container, in nanocores; undefined when no time
 * passed or the counter went backwards (the container was re-created: a new counter).
 */
export function cpuNanoCores(prev: CpuReading, cur: CpuReading): number | undefined {
  const dtMs = cur.atMs - prev.atMs;
  const dUsage = cur.usageNs - prev.usageNs;
  if (dtMs <= 0 || dUsage < 0) return undefined;
  return Math.round((dUsage * 1000) / dtMs);
}

/** The working set in bytes: usage − inactive_file (cgroup v1: total_inactive_file), at least 0. */
export function workingSetBytes(mem: EngineStats["memory_stats"]): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return Math.max(0, usage - inactive);
}

/** A time from the engine, ms since the epoch; undefined for Go's zero time or garbage. */
export function engineTime(s: string | undefined): number | undefined {
  if (!s || s.startsWith("0001-")) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * One container's sample from a stats answer. The rate comes from `prev` (this kubelet's last
 * reading) when there is one, else from the engine's own previous reading (`precpu_stats`, which a
 * non-one-shot answer carries ~1 s back), so a new container is measured at once.
 * Undefined when the answer has no CPU counter (the container is not running).
 */
export function sampleFromStats(stats: EngineStats, prev: CpuReading | undefined, nowMs: number): ContainerSample | undefined {
  const usageNs = stats.cpu_stats?.cpu_usage?.total_usage;
  if (usageNs === undefined) return undefined;
  const cpu: CpuReading = { atMs: engineTime(stats.read) ?? nowMs, usageNs };
  const workingSet = workingSetBytes(stats.memory_stats);
  let base = prev;
  const preAt = engineTime(stats.preread);
  const preUsage = stats.precpu_stats?.cpu_usage?.total_usage;
  if (!base && preAt !== undefined && preUsage !== undefined && preUsage > 0) base = { atMs: preAt, usageNs: preUsage };
  const nanoCores = base ? cpuNanoCores(base, cpu) : undefined;
  if (nanoCores === undefined || !base) return { cpu, workingSetBytes: workingSet };
  return { cpu, nanoCores, windowMs: cpu.atMs - base.atMs, workingSetBytes: workingSet };
}

/** Usage as metrics-server prints it: cpu in nanocores (`1234567n`), memory in bytes (`2048Ki`). */
export function usageQuantities(nanoCores: number, bytes: number): ResourceUsage {
  return {
    cpu: formatQuantity({ nanos: BigInt(Math.max(0, Math.round(nanoCores))), format: "DecimalSI" }),
    memory: formatQuantity(fromValue(Math.max(0, Math.round(bytes)))),
  };
}
