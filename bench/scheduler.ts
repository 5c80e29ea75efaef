/**
 * Scheduler throughput: a real API server (SQLite, temp dir), 1,000 simulated nodes (Node objects
 * only: no heart-beats, no pod status), 10,000 pending pods, then the scheduler is started and we
 * measure pods bound per second from its start (initial list included) to the last binding.
 * Runs 3 times on fresh servers and reports medians. Target: >= 1,000 pods/s.
 *
 *   node dist/bench/scheduler.js [--nodes 1000] [--pods 10000] [--runs 3] [--owners 100]
 *                                [--in-process] [--no-scheduled-events] [--parallel-binds 64]
 *
 * By default the API server runs in a child process (as `kctl scheduler --server ...` against a
 * remote server); `--in-process` puts both in one process, as `kctl server` does.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { Pod } from "../lib/types.js";
import { median } from "./stats.js";

interface Args {
  nodes: number;
  pods: number;
  runs: number;
  owners: number;
  inProcess: boolean;
  scheduledEvents: boolean;
  parallelBinds: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { nodes: 1000, pods: 10_000, runs: 3, owners: 100, inProcess: false, scheduledEvents: true, parallelBinds: 64 };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const num = () => Number(argv[++i]);
    if (f === "--nodes") a.nodes = num();
    else if (f === "--pods") a.pods = num();
    else if (f === "--runs") a.runs = num();
    else if (f === "--owners") a.owners = num();
    else if (f === "--parallel-binds") a.parallelBinds = num();
    else if (f === "--in-process") a.inProcess = true;
    else if (f === "--no-scheduled-events") a.scheduledEvents = false;
    else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

interface Server {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Child mode: start an API server on `dir`, report url+token on IPC, stop on message. */
async function serveChild(dir: string): Promise<void> {
  const { startApiServer } = await import("../apiserver/index.js");
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false });
  process.send?.({ url: s.url, token: s.adminToken });
  process.on("message", () => {
    void s.close().then(() => process.exit(0));
  });
}

async function startServer(dir: string, inProcess: boolean): Promise<Server> {
  if (inProcess) {
    const { startApiServer } = await import("../apiserver/index.js");
    const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false });
    return { url: s.url, token: s.adminToken, close: () => s.close() };
  }
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--serve", dir], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const info = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { url: string; token: string }));
    child.once("exit", (code) => reject(new Error(`API server child exited with ${code}`)));
  });
  return {
    ...info,
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("stop");
      }),
  };
}

/** Run `fn` over 0..n-1 with at most `limit` in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function benchPod(i: number, owners: number): Pod {
  const owner = i % owners;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `bench-${i}`,
      namespace: "default",
      labels: { app: `bench-${owner}` },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: `bench-${owner}`, uid: `00000000-0000-4000-8000-${String(owner).padStart(12, "0")}`, controller: true },
      ],
    },
    spec: { containers: [{ name: "app", image: "busybox", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] },
  };
}

interface RunResult {
  setupS: number;
  /** of `seconds`: until the scheduler's informers had listed every node and pod */
  syncS: number;
  /** CPU seconds this process (the scheduler; with --in-process also the API server) used */
  cpuS: number;
  seconds: number;
  podsPerSecond: number;
  bound: number;
  nodesUsed: number;
  maxPerNode: number;
}

async function runOnce(a: Args, run: number): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-sched-"));
  const server = await startServer(dir, a.inProcess);
  const client = new ApiClient({ server: server.url, token: server.token });
  try {
    const setupStart = performance.now();
    const { startSimulatedNodes } = await import("../simnode/index.js");
    const sim = await startSimulatedNodes({ client, logger: silentLogger(), count: a.nodes, registerOnly: true, heartbeatMs: 0, cpu: "4", memory: "16Gi", pods: 110 });
    await pool(a.pods, 64, async (i) => {
      await client.create(benchPod(i, a.owners));
    });
    const setupS = (performance.now() - setupStart) / 1000;

    const { startScheduler } = await import("../scheduler/index.js");
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const s = await startScheduler({ client, logger: silentLogger(), seed: run, parallelBinds: a.parallelBinds, scheduledEvents: a.scheduledEvents });
    const syncS = (performance.now() - t0) / 1000;
    while (s.stats().scheduled < a.pods) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    await s.stop();
    await sim.stop();

    // Check the result through the API, not the scheduler's own counters.
    const pods = (await client.list<Pod>("Pod", { namespace: "default" })).items;
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const bound = [...perNode.values()].reduce((x, y) => x + y, 0);
    if (bound !== a.pods) throw new Error(`only ${bound}/${a.pods} pods bound according to the API`);
    return { setupS, syncS, cpuS, seconds, podsPerSecond: a.pods / seconds, bound, nodesUsed: perNode.size, maxPerNode: Math.max(...perNode.values()) };
  } finally {
    client.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--serve") return serveChild(argv[1]);
  const a = parseArgs(argv);
  const results: RunResult[] = [];
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`scheduler benchmark: ${a.nodes} nodes, ${a.pods} pods (${a.owners} owners), API server ${a.inProcess ? "in-process" : "in a child process"}, ` +
    `Scheduled events ${a.scheduledEvents ? "on" : "off"}, ${a.parallelBinds} binds in flight`);
  out("run  setup_s  sync_s  schedule_s  cpu_s  pods/s  bound  nodes_used  max_pods/node");
  for (let r = 1; r <= a.runs; r++) {
    const res = await runOnce(a, r);
    results.push(res);
    out(
      `${String(r).padEnd(4)} ${res.setupS.toFixed(1).padStart(7)}  ${res.syncS.toFixed(2).padStart(6)}  ${res.seconds.toFixed(2).padStart(10)}  ${res.cpuS.toFixed(2).padStart(5)}  ${res.podsPerSecond.toFixed(0).padStart(6)}  ` +
        `${String(res.bound).padStart(5)}  ${String(res.nodesUsed).padStart(10)}  ${String(res.maxPerNode).padStart(13)}`,
    );
  }
  const pps = median(results.map((r) => r.podsPerSecond));
  out(`median: ${pps.toFixed(0)} pods/s (target >= 1000) ${pps >= 1000 ? "PASS" : "BELOW TARGET"}`);
  out(
    JSON.stringify({
      bench: "scheduler",
      nodes: a.nodes,
      pods: a.pods,
      owners: a.owners,
      apiServer: a.inProcess ? "in-process" : "child-process",
      scheduledEvents: a.scheduledEvents,
      runs: results.length,
      medianPodsPerSecond: Math.round(pps),
      medianSeconds: Number(median(results.map((r) => r.seconds)).toFixed(3)),
      medianSyncSeconds: Number(median(results.map((r) => r.syncS)).toFixed(3)),
      medianSchedulerCpuSeconds: Number(median(results.map((r) => r.cpuS)).toFixed(3)),
      podsPerSecond: results.map((r) => Math.round(r.podsPerSecond)),
      target: 1000,
    }),
  );
}

await main();
