/**
 * Service proxy overhead: HTTP requests/s and latency through a NodePort of the node's service
 * proxy, side by side with the same pod's published port (Docker's own port forwarding) and its
 * bridge address (no forwarding at all), in the same run. One busybox httpd pod (kctl-test/web:v1),
 * a real API server, controllers, scheduler and kubelet in this process. Loopback and the docker
 * bridge only.
 *
 *   node dist/bench/proxy.js [--connections 8] [--low-connections 1] [--seconds 5] [--runs 5]
 *                            [--generator auto|wrk|node]
 *
 * The load generator is Debian's `wrk` when installed (`apt-get install -y wrk`): a separate C
 * process, so the proxy's event loop and the generator never share a JavaScript thread or a
 * garbage collector. Without it, N concurrent keep-alive node:http clients in a worker thread.
 * busybox httpd closes after every answer, so each request is a new TCP connection: the worst
 * case for a TCP proxy, which pays its accept + connect on every request.
 *
 * Two load levels: a saturating one (--connections, for throughput) and a light one
 * (--low-connections, default 1: the CPU is not saturated, so latency is the path's own, not
 * queueing behind the generator on a 2-core box). In every round each target is measured once,
 * in an order rotated per round so that drift hits all alike; a level's figures are medians over
 * rounds. Added latency is median(proxy p99 of each round) - median(direct p99 of each round),
 * and, as a check, the median of each round's own difference.
 * Targets: proxy >= 70% of direct throughput, added p99 < 2 ms (judged at the light level).
 */
import { execFile } from "node:child_process";
import http from "node:http";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import Dockerode from "dockerode";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { startKubelet } from "../kubelet/index.js";
import { ApiClient } from "../lib/client.js";
import { createLogger } from "../lib/logger.js";
import type { Pod, Service } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";
import { median } from "./stats.js";

const execFileP = promisify(execFile);

interface LoadJob {
  host: string;
  port: number;
  connections: number;
  seconds: number;
}

interface LoadResult {
  ok: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

const RUN_LABEL = "kctl.io/bench-run";

// ------------------------------------------------------------------ the load generator (worker)

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function generateLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + job.seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get({ host: job.host, port: job.port, path: "/", agent }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => {
          if (res.statusCode === 200) latencies.push(performance.now() - t0);
          else errors++;
          resolve();
        });
        res.on("error", () => (errors++, resolve()));
      });
      req.setTimeout(5000, () => req.destroy(new Error("timeout")));
      req.on("error", () => (errors++, resolve()));
    });
  // Bounded: each client stops at the deadline (and after a hard cap of requests).
  const client = async (): Promise<void> => {
    for (let i = 0; i < 1_000_000 && performance.now() < end; i++) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: job.connections }, client));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return { ok: latencies.length, errors, rps: latencies.length / elapsed, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

if (!isMainThread) {
  void generateLoad(workerData as LoadJob).then((r) => parentPort?.postMessage(r));
}

function runNodeLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: job });
    w.once("message", (r: LoadResult) => resolve(r));
    w.once("error", reject);
  });
}

// ------------------------------------------------------------------ wrk

/** wrk's version line, or undefined when it is not installed. */
async function wrkVersion(): Promise<string | undefined> {
  // `wrk -v` prints its version and exits 1.
  const out = await execFileP("wrk", ["-v"]).then(
    (r) => r.stdout,
    (e: { stdout?: string; code?: unknown }) => (typeof e.code === "number" ? (e.stdout ?? "") : ""),
  );
  return /^wrk /m.exec(out) ? out.split("\n")[0]!.trim() : undefined;
}

/** `1.23ms`, `695.00us`, `1.02s` -> milliseconds. */
function wrkDuration(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

async function runWrk(job: LoadJob): Promise<LoadResult> {
  const url = `http://${job.host}:${job.port}/`;
  const { stdout } = await execFileP("wrk", ["-t1", `-c${job.connections}`, `-d${job.seconds}s`, "--timeout", "5s", "--latency", url]);
  const pct = (q: string): number => wrkDuration(new RegExp(`^\\s+${q}%\\s+(\\S+)$`, "m").exec(stdout)?.[1] ?? "");
  const total = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  // A read error is how wrk counts the server closing a connection it wanted to keep: busybox
  // httpd closes after every answer, which is normal here. Connects, writes and timeouts are not.
  const errors = non2xx + (sock ? Number(sock[1]) + Number(sock[3]) + Number(sock[4]) : 0);
  return { ok: total - non2xx, errors, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0), p50Ms: pct("50"), p99Ms: pct("99") };
}

// ------------------------------------------------------------------ the cluster (main thread)

interface Args {
  connections: number;
  lowConnections: number;
  seconds: number;
  runs: number;
  generator: "auto" | "wrk" | "node";
}

function parseArgs(argv: string[]): Args {
  const a: Args = { connections: 8, lowConnections: 1, seconds: 5, runs: 5, generator: "auto" };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const num = (): number => Number(argv[++i]);
    if (f === "--connections") a.connections = num();
    else if (f === "--low-connections") a.lowConnections = num();
    else if (f === "--seconds") a.seconds = num();
    else if (f === "--runs") a.runs = num();
    else if (f === "--generator") {
      const g = argv[++i];
      if (g !== "auto" && g !== "wrk" && g !== "node") throw new Error(`--generator: auto, wrk or node, not ${g}`);
      a.generator = g;
    } else throw new Error(`unknown flag ${f}`);
  }
  return a;
}


interface LevelSummary {
  rows: Map<string, { rps: number; p50Ms: number; p99Ms: number; errors: number }>;
  ratio: number;
  addedP50Ms: number;
  addedP99Ms: number;
  pairedAddedP99Ms: number;
}

/** Medians over rounds per target, and the proxy's cost against direct. */
function summarize(results: Map<string, LoadResult[]>, direct: string, proxy: string): LevelSummary {
  const rows = new Map(
    [...results].map(([name, rs]) => [
      name,
      { rps: median(rs.map((x) => x.rps)), p50Ms: median(rs.map((x) => x.p50Ms)), p99Ms: median(rs.map((x) => x.p99Ms)), errors: rs.reduce((a, x) => a + x.errors, 0) },
    ]),
  );
  const d = rows.get(direct)!;
  const p = rows.get(proxy)!;
  const dr = results.get(direct)!;
  const pr = results.get(proxy)!;
  return {
    rows,
    ratio: p.rps / d.rps,
    addedP50Ms: p.p50Ms - d.p50Ms,
    addedP99Ms: p.p99Ms - d.p99Ms,
    pairedAddedP99Ms: median(pr.map((x, i) => x.p99Ms - dr[i]!.p99Ms)),
  };
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const logger = createLogger({ level: process.env.KCTL_LOG_LEVEL ?? "warn" });
  const docker = new Dockerode({ socketPath: "/var/run/docker.sock" });
  await docker.getImage("kctl-test/web:v1").inspect().catch(() => {
    throw new Error("image kctl-test/web:v1 is missing: run bash scripts/build-test-images.sh");
  });
  const run = `bench-proxy-${randomInt(1e6)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-proxy-"));
  // Random loopback node address and a /24 of the default service range: no clash with a
  // `kctl server` or a test run on the same machine.
  const nodeIP = `127.${10 + randomInt(240)}.${randomInt(256)}.2`;
  const server = await startApiServer({ dataDir, listen: "127.0.0.1:0", tls: false, serviceCidr: `10.${97 + randomInt(15)}.${randomInt(256)}.0/24` });
  const client = new ApiClient({ server: server.url, token: server.adminToken, ca: server.caPem });
  const cm = await startControllerManager({ client, logger });
  const sched = await startScheduler({ client, logger });
  const kubelet = await startKubelet({ client, logger, nodeName: run, nodeIP, containerLabels: { [RUN_LABEL]: run }, dataDir: path.join(dataDir, "kubelet") });
  const cleanup = async (): Promise<void> => {
    await kubelet.stop({ removeContainers: true }).catch(() => undefined);
    await sched.stop().catch(() => undefined);
    await cm.stop().catch(() => undefined);
    const left = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${run}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    client.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  try {
    const svc = await client.create<Service>({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await client.create<Pod>({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default", labels: { app: "web" } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: "kctl-test/web:v1", imagePullPolicy: "Never", ports: [{ containerPort: 8080 }] }] },
    } as Pod);
    const pod = await waitFor(async () => {
      const p = await client.get<Pod>("Pod", "web", "default");
      const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      return ready && p.metadata.annotations?.["kctl.io/ports"] ? p : undefined;
    }, "the web pod Ready", 30_000);
    const published = (JSON.parse(pod.metadata.annotations!["kctl.io/ports"]!) as Record<string, { hostIP: string; hostPort: number }>)["8080/TCP"]!;
    const nodePort = svc.spec.ports![0]!.nodePort!;
    const targets: { name: string; host: string; port: number }[] = [
      { name: "direct (published port)", host: published.hostIP, port: published.hostPort },
      { name: "proxy (NodePort)", host: nodeIP, port: nodePort },
      { name: "bridge (pod IP)", host: pod.status!.podIP!, port: 8080 },
    ];
    await waitFor(async () => {
      const ok = await new Promise<boolean>((resolve) => {
        http.get({ host: nodeIP, port: nodePort, agent: false }, (res) => (res.resume(), resolve(res.statusCode === 200))).on("error", () => resolve(false));
      });
      return ok || undefined;
    }, "the NodePort answering", 10_000);

    const wrk = args.generator === "node" ? undefined : await wrkVersion();
    if (args.generator === "wrk" && !wrk) throw new Error("wrk is not installed: apt-get install -y wrk (or --generator node)");
    const runLoad = wrk ? runWrk : runNodeLoad;
    const out = process.stdout;
    out.write(
      wrk
        ? `load generator: ${wrk} (a separate process)\n`
        : `load generator: node:http in a worker thread${args.generator === "auto" ? " (wrk is not installed: apt-get install -y wrk for an independent one)" : ""}\n`,
    );

    const levels = [
      { name: "saturating", connections: args.connections },
      { name: "light", connections: args.lowConnections },
    ];
    const report: Record<string, unknown> = {};
    const summaries = new Map<string, LevelSummary>();
    for (const level of levels) {
      const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
      for (let r = 0; r < args.runs; r++) {
        // Rotate the order each round: no target always runs first (cold) or last (after the others).
        for (let i = 0; i < targets.length; i++) {
          const t = targets[(i + r) % targets.length]!;
          results.get(t.name)!.push(await runLoad({ host: t.host, port: t.port, connections: level.connections, seconds: args.seconds }));
        }
      }
      const sum = summarize(results, targets[0]!.name, targets[1]!.name);
      summaries.set(level.name, sum);
      out.write(`\n${level.name}: ${level.connections} connection(s), ${args.seconds} s x ${args.runs} rounds, busybox httpd pod (medians over rounds)\n`);
      out.write(`${"target".padEnd(26)}${"req/s".padStart(10)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}${"errors".padStart(8)}   p99 per round\n`);
      for (const t of targets) {
        const m = sum.rows.get(t.name)!;
        const per = results.get(t.name)!.map((x) => x.p99Ms.toFixed(2)).join(" ");
        out.write(`${t.name.padEnd(26)}${m.rps.toFixed(0).padStart(10)}${m.p50Ms.toFixed(2).padStart(10)}${m.p99Ms.toFixed(2).padStart(10)}${String(m.errors).padStart(8)}   ${per}\n`);
      }
      out.write(
        `proxy/direct throughput ${(sum.ratio * 100).toFixed(0)}%, added p50 ${sum.addedP50Ms.toFixed(2)} ms, added p99 ${sum.addedP99Ms.toFixed(2)} ms (median of per-round differences ${sum.pairedAddedP99Ms.toFixed(2)} ms)\n`,
      );
      report[level.name] = {
        connections: level.connections,
        direct_rps: Math.round(sum.rows.get(targets[0]!.name)!.rps),
        proxy_rps: Math.round(sum.rows.get(targets[1]!.name)!.rps),
        bridge_rps: Math.round(sum.rows.get(targets[2]!.name)!.rps),
        ratio: Number(sum.ratio.toFixed(3)),
        direct_p99_ms: Number(sum.rows.get(targets[0]!.name)!.p99Ms.toFixed(2)),
        proxy_p99_ms: Number(sum.rows.get(targets[1]!.name)!.p99Ms.toFixed(2)),
        bridge_p99_ms: Number(sum.rows.get(targets[2]!.name)!.p99Ms.toFixed(2)),
        added_p50_ms: Number(sum.addedP50Ms.toFixed(2)),
        added_p99_ms: Number(sum.addedP99Ms.toFixed(2)),
        paired_added_p99_ms: Number(sum.pairedAddedP99Ms.toFixed(2)),
        errors: [...sum.rows.values()].reduce((n, x) => n + x.errors, 0),
      };
    }
    const sat = summaries.get("saturating")!;
    const light = summaries.get("light")!;
    out.write(
      `\nverdict: throughput ${(sat.ratio * 100).toFixed(0)}% of direct (target >= 70%); added p99 at light load ${light.addedP99Ms.toFixed(2)} ms (target < 2 ms)\n`,
    );
    out.write(`${JSON.stringify({ bench: "proxy", generator: wrk ?? "node", seconds: args.seconds, runs: args.runs, ...report })}\n`);
  } finally {
    await cleanup();
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench/proxy: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
