import { describe, expect, it } from "vitest";
import { goDuration } from "../../lib/metrics.js";
import { buildReport, MetricsSampler } from "../../kubelet/metrics/sampler.js";
import { FakeClock } from "../../lib/clock.js";
import { silentLogger } from "../../lib/logger.js";
import type { NodeMetricsReport } from "../../lib/metrics.js";
import { cpuNanoCores, sampleFromStats, usageQuantities, workingSetBytes, type ContainerSample } from "../../kubelet/metrics/usage.js";
import type { ObservedContainer } from "../../kubelet/runtime/types.js";

describe("cpuNanoCores", () => {
  it.each([
    { what: "one core for a second", prev: [0, 0], cur: [1000, 1e9], want: 1e9 },
    { what: "a quarter core over 15 s", prev: [1000, 5e9], cur: [16_000, 5e9 + 3.75e9], want: 250_000_000 },
    { what: "idle", prev: [0, 7], cur: [15_000, 7], want: 0 },
    { what: "no time passed", prev: [5, 1], cur: [5, 2], want: undefined },
    { what: "counter went back (re-created)", prev: [0, 9e9], cur: [1000, 1e6], want: undefined },
  ])("$what", ({ prev, cur, want }) => {
    expect(cpuNanoCores({ atMs: prev[0]!, usageNs: prev[1]! }, { atMs: cur[0]!, usageNs: cur[1]! })).toBe(want);
  });
});

describe("workingSetBytes", () => {
  it.each([
    { what: "cgroup v1: usage − total_inactive_file", mem: { usage: 2166784, stats: { total_inactive_file: 1179648, inactive_file: 1 } }, want: 987136 },
    { what: "cgroup v2: usage − inactive_file", mem: { usage: 10_000, stats: { inactive_file: 4000 } }, want: 6000 },
    { what: "no stats: usage", mem: { usage: 5000 }, want: 5000 },
    { what: "never negative", mem: { usage: 100, stats: { inactive_file: 400 } }, want: 0 },
    { what: "nothing", mem: undefined, want: 0 },
  ])("$what", ({ mem, want }) => {
    expect(workingSetBytes(mem)).toBe(want);
  });
});

describe("sampleFromStats", () => {
  const read = "2026-01-01T00:00:15.000000000Z";
  const readMs = Date.parse(read);
  it("uses the kubelet's last reading when there is one", () => {
    const s = sampleFromStats({ read, cpu_stats: { cpu_usage: { total_usage: 3e9 } }, memory_stats: { usage: 1 << 20 } }, { atMs: readMs - 15_000, usageNs: 0 }, 0);
    expect(s).toEqual({ cpu: { atMs: readMs, usageNs: 3e9 }, nanoCores: 200_000_000, windowMs: 15_000, workingSetBytes: 1 << 20 });
  });
  it("falls back to the engine's previous reading for a new container", () => {
    const s = sampleFromStats(
      { read, preread: "2026-01-01T00:00:14.000000000Z", cpu_stats: { cpu_usage: { total_usage: 2e9 } }, precpu_stats: { cpu_usage: { total_usage: 1.5e9 } } },
      undefined,
      0,
    );
    expect(s?.nanoCores).toBe(500_000_000);
    expect(s?.windowMs).toBe(1000);
  });
  it("has no rate from a one-shot answer without a previous reading", () => {
    const s = sampleFromStats({ read, preread: "0001-01-01T00:00:00Z", cpu_stats: { cpu_usage: { total_usage: 2e9 } }, precpu_stats: { cpu_usage: { total_usage: 0 } } }, undefined, 0);
    expect(s).toEqual({ cpu: { atMs: readMs, usageNs: 2e9 }, workingSetBytes: 0 });
  });
  it("is undefined without a CPU counter (a stopped container)", () => {
    expect(sampleFromStats({ read }, undefined, 0)).toBeUndefined();
  });
});

describe("usageQuantities", () => {
  it.each([
    { cores: 329087452, bytes: 2748180 * 1024, cpu: "329087452n", memory: "2748180Ki" },
    { cores: 1_000_000, bytes: 12 * 1024 * 1024, cpu: "1m", memory: "12Mi" },
    { cores: 0, bytes: 1000, cpu: "0", memory: "1k" },
    { cores: 2.6, bytes: 1500, cpu: "3n", memory: "1500" },
  ])("$cores ns/s, $bytes B → $cpu, $memory", ({ cores, bytes, cpu, memory }) => {
    expect(usageQuantities(cores, bytes)).toEqual({ cpu, memory });
  });
});

describe("goDuration", () => {
  it.each([
    [0, "0s"],
    [950, "950ms"],
    [15_000, "15s"],
    [15_012, "15.012s"],
    [20_060, "20.06s"],
    [60_500, "1m0.5s"],
    [3_723_000, "1h2m3s"],
  ])("%d ms → %s", (ms, want) => {
    expect(goDuration(ms)).toBe(want);
  });
});

describe("buildReport", () => {
  const container = (id: string, pod: string, name: string, role: "container" | "sandbox" = "container"): ObservedContainer => ({
    id,
    name: id,
    role,
    podUid: `uid-${pod}`,
    podName: pod,
    podNamespace: "default",
    containerName: name,
    restartCount: 0,
    state: "running",
    createdAt: 0,
    image: "x",
  });
  const at = Date.parse("2026-01-01T00:00:30Z");
  const sample = (nanoCores: number | undefined, bytes: number, windowMs = 15_000): ContainerSample =>
    nanoCores === undefined ? { cpu: { atMs: at, usageNs: 1 }, workingSetBytes: bytes } : { cpu: { atMs: at, usageNs: 1 }, nanoCores, windowMs, workingSetBytes: bytes };

  it("reports pods whose containers all have a rate, and sums every container for the node", () => {
    const running = [
      container("s1", "a", "POD", "sandbox"),
      container("c1", "a", "web"),
      container("c2", "a", "side"),
      container("s2", "b", "POD", "sandbox"),
      container("c3", "b", "new"),
    ];
    const samples = new Map([
      ["s1", sample(1000, 4096)],
      ["c1", sample(250_000_000, 12 << 20)],
      ["c2", sample(1_000_000, 1 << 20)],
      ["s2", sample(0, 4096)],
      ["c3", sample(undefined, 1 << 20)],
    ]);
    const r = buildReport("n1", 15, running, samples, at);
    expect(r.pods).toEqual([
      {
        namespace: "default",
        name: "a",
        uid: "uid-a",
        timestamp: "2026-01-01T00:00:30Z",
        window: "15s",
        containers: [
          { name: "side", usage: { cpu: "1m", memory: "1Mi" } },
          { name: "web", usage: { cpu: "250m", memory: "12Mi" } },
        ],
      },
    ]);
    // 1000 + 250,000,000 + 1,000,000 + 0 ns/s; 4 KiB + 12 MiB + 1 MiB + 4 KiB + 1 MiB
    expect(r.usage).toEqual({ cpu: "251001u", memory: "14344Ki" });
    expect(r).toMatchObject({ kind: "NodeMetricsReport", node: "n1", periodSeconds: 15, window: "15s", timestamp: "2026-01-01T00:00:30Z" });
  });
});

describe("MetricsSampler: cheap and bounded", () => {
  const running = (n: number): ObservedContainer[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `c${i}`,
      name: `c${i}`,
      role: "container" as const,
      podUid: `u${i}`,
      podName: `p${i}`,
      podNamespace: "default",
      containerName: "main",
      restartCount: 0,
      state: "running" as const,
      createdAt: 0,
      image: "x",
    }));

  it("asks at most `concurrency` stats at once, one call per container, and reports rates from the second period", async () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    let inFlight = 0;
    let maxInFlight = 0;
    const calls: { id: string; oneShot: boolean }[] = [];
    const sent: NodeMetricsReport[] = [];
    const sampler = new MetricsSampler({
      client: { request: async (_m: string, _p: string, o?: { body?: unknown }) => void sent.push(o?.body as NodeMetricsReport) } as never,
      nodeName: "n1",
      logger: silentLogger(),
      clock,
      containers: () => running(10),
      concurrency: 3,
      stats: async (id, oneShot) => {
        calls.push({ id, oneShot });
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        // 100m per container: 1.5e9 ns of CPU per 15 s
        const n = calls.filter((c) => c.id === id).length;
        return { read: new Date(clock.now()).toISOString(), cpu_stats: { cpu_usage: { total_usage: n * 1.5e9 } }, memory_stats: { usage: 1 << 20 } };
      },
    });
    await sampler.tick();
    expect(calls.map((c) => c.oneShot)).toEqual(Array(10).fill(false));
    expect(sent[0]!.pods).toEqual([]);
    clock.advance(15_000);
    await sampler.tick();
    expect(calls.slice(10).map((c) => c.oneShot)).toEqual(Array(10).fill(true));
    expect(maxInFlight).toBe(3);
    expect(sent[1]!.pods).toHaveLength(10);
    expect(sent[1]!.pods[0]!.containers).toEqual([{ name: "main", usage: { cpu: "100m", memory: "1Mi" } }]);
    expect(sent[1]!.usage.cpu).toBe("1");
  });

  it("abandons a stats call that hangs after the timeout, and still reports the others", async () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const sent: NodeMetricsReport[] = [];
    const aborted: string[] = [];
    const sampler = new MetricsSampler({
      client: { request: async (_m: string, _p: string, o?: { body?: unknown }) => void sent.push(o?.body as NodeMetricsReport) } as never,
      nodeName: "n1",
      logger: silentLogger(),
      clock,
      containers: () => running(2),
      statsTimeoutMs: 5000,
      stats: (id, _oneShot, signal) =>
        id === "c0"
          ? new Promise((_resolve, reject) => signal.addEventListener("abort", () => (aborted.push(id), reject(new Error("aborted")))))
          : Promise.resolve({ read: new Date(clock.now()).toISOString(), preread: new Date(clock.now() - 1000).toISOString(), cpu_stats: { cpu_usage: { total_usage: 2e9 } }, precpu_stats: { cpu_usage: { total_usage: 1e9 } } }),
    });
    const tick = sampler.tick();
    await new Promise((r) => setImmediate(r));
    clock.advance(5000);
    await tick;
    expect(aborted).toEqual(["c0"]);
    expect(sent[0]!.pods.map((p) => p.name)).toEqual(["p1"]);
  });
});
