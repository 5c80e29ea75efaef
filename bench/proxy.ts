/**
 * Service proxy overhead: HTTP requests/s and latency through a NodePort of the node's service
 * proxy, side by side with the same pod's published port (Docker's own port forwarding) and its
 * bridge address (no forwarding at all), in the same run. One busybox httpd pod (kctl-test/web:v1),
 * a real API server, controllers, scheduler and kubelet in this process; the load generator runs
 * in a worker thread so it never shares an event loop with the proxy. Loopback and the docker
 * bridge only.
 *
 *   node dist/bench/proxy.js [--connections 8] [--seconds 5] [--runs 3]
 *
 * The load: N concurrent keep-alive HTTP/1.1 clients, each sending GET / back to back for a fixed
 * time (busybox httpd closes after every answer, so each request is a new TCP connection: the
 * worst case for a TCP proxy, which pays its accept + connect on every request). Targets are
 * measured in turn, 3 rounds, medians reported. Target: proxy >= 70% of direct throughput and
 * added p99 < 2 ms.
 */
import http from "node:http";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import Dockerode from "dockerode";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { startKubelet } from "../kubelet/index.js";
import { ApiClient } from "../lib/client.js";
import { createLogger } from "../lib/logger.js";
import type { Pod, Service } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";

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

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: job });
    w.once("message", (r: LoadResult) => resolve(r));
    w.once("error", reject);
  });
}

// ------------------------------------------------------------------ the cluster (main thread)

interface Args {
  connections: number;
  seconds: number;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { connections: 8, seconds: 5, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const num = (): number => Number(argv[++i]);
    if (f === "--connections") a.connections = num();
    else if (f === "--seconds") a.seconds = num();
    else if (f === "--runs") a.runs = num();
    else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
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
  const client = new ApiClient({ server: server.url, token: server.adminToken });
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

    const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < args.runs; r++) {
      for (const t of targets) results.get(t.name)!.push(await runLoad({ host: t.host, port: t.port, connections: args.connections, seconds: args.seconds }));
    }
    const med = (name: string) => {
      const rs = results.get(name)!;
      return { rps: median(rs.map((x) => x.rps)), p50Ms: median(rs.map((x) => x.p50Ms)), p99Ms: median(rs.map((x) => x.p99Ms)), errors: rs.reduce((a, x) => a + x.errors, 0) };
    };
    const rows = targets.map((t) => ({ name: t.name, ...med(t.name) }));
    const out = process.stdout;
    out.write(`service proxy bench: ${args.connections} connections, ${args.seconds} s x ${args.runs} runs, busybox httpd pod (medians)\n`);
    out.write(`${"target".padEnd(26)}${"req/s".padStart(10)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}${"errors".padStart(8)}\n`);
    for (const r of rows) out.write(`${r.name.padEnd(26)}${r.rps.toFixed(0).padStart(10)}${r.p50Ms.toFixed(2).padStart(10)}${r.p99Ms.toFixed(2).padStart(10)}${String(r.errors).padStart(8)}\n`);
    const direct = rows[0]!;
    const proxy = rows[1]!;
    const ratio = proxy.rps / direct.rps;
    const addedP99 = proxy.p99Ms - direct.p99Ms;
    out.write(`proxy/direct throughput ${(ratio * 100).toFixed(0)}% (target >= 70%), added p99 ${addedP99.toFixed(2)} ms (target < 2 ms)\n`);
    out.write(
      `${JSON.stringify({
        bench: "proxy",
        connections: args.connections,
        seconds: args.seconds,
        runs: args.runs,
        direct_rps: Math.round(direct.rps),
        proxy_rps: Math.round(proxy.rps),
        bridge_rps: Math.round(rows[2]!.rps),
        ratio: Number(ratio.toFixed(3)),
        direct_p99_ms: Number(direct.p99Ms.toFixed(2)),
        proxy_p99_ms: Number(proxy.p99Ms.toFixed(2)),
        bridge_p99_ms: Number(rows[2]!.p99Ms.toFixed(2)),
        added_p99_ms: Number(addedP99.toFixed(2)),
        errors: direct.errors + proxy.errors,
      })}\n`,
    );
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
