/**
 * Deployment benchmark: `kctl server --no-kubelet` (API server + controllers + scheduler, one
 * process, as users run it) against 100 simulated nodes (KWOK-like: pods are marked Running and
 * Ready without containers, so this measures the control plane only). Per run, on a fresh data dir:
 *
 *   1. apply a 1,000-replica Deployment          -> time until 1,000 updated + available
 *   2. change its image (RollingUpdate 25%/25%)  -> time until rolled out again
 *   3. scale it to 10,000 replicas               -> time, the server's RSS then and after 15 s of
 *                                                   steady state (heart-beats only), and its peak RSS
 *
 * Prints a table (each run and the medians) and one JSON line with the medians.
 * Usage: npm run build && node dist/bench/deployment.js [--runs 3] [--nodes 100] [--replicas 1000] [--pods 10000]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../lib/client.js";
import { clientConfigFromKubeconfig, readKubeconfig } from "../lib/kubeconfig.js";
import { silentLogger } from "../lib/logger.js";
import type { Deployment } from "../lib/types.js";
import { startSimulatedNodes } from "../simnode/index.js";
import { median } from "./stats.js";

interface Args {
  runs: number;
  nodes: number;
  replicas: number;
  pods: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 3, nodes: 100, replicas: 1000, pods: 10_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "") as keyof Args;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v <= 0) throw new Error(`usage: deployment.js [--runs N] [--nodes N] [--replicas N] [--pods N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

const KCTL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/kctl");

interface Server {
  child: ChildProcess;
  client: ApiClient;
  /** how to reach the server (URL, token, CA), for the extra clients of the benchmark */
  config: ConstructorParameters<typeof ApiClient>[0];
  dir: string;
}

/** Start `kctl server --no-kubelet` on a free port and a temp dir; resolve once it is serving. */
async function startServer(): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-deploy-"));
  const child = spawn(process.execPath, [KCTL, "server", "--no-kubelet", "--listen", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn"], {
    env: { ...process.env, KCTL_CONFIG: path.join(dir, "user.kubeconfig") },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kctl server did not start: ${out}`)), 30_000);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("kctl server is running")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`kctl server exited (${code}): ${out}`)));
  });
  const cfg = clientConfigFromKubeconfig(readKubeconfig(path.join(dir, "admin.kubeconfig")), undefined, dir);
  return { child, dir, config: cfg, client: new ApiClient({ ...cfg, requestTimeoutMs: 120_000 }) };
}

async function stopServer(s: Server): Promise<void> {
  s.client.close();
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill("SIGKILL");
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** VmRSS and VmHWM (peak) of a process, in MB (Linux /proc). */
function rssMb(pid: number): { rss: number; peak: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** The server's own V8 heap figures from its /metrics (process metrics), in MB. */
async function heapMb(client: ApiClient): Promise<{ used: number; total: number }> {
  const res = await client.stream("/metrics");
  let text = "";
  for await (const chunk of res) text += String(chunk);
  const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { used: metric("nodejs_heap_size_used_bytes"), total: metric("nodejs_heap_size_total_bytes") };
}

function manifest(replicas: number): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "bench", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "bench" } },
      template: { metadata: { labels: { app: "bench" } }, spec: { containers: [{ name: "web", image: "web:v1" }] } },
    },
  };
}

/** Poll until the Deployment is rolled out for `image` with `replicas`; returns elapsed ms. */
async function waitRolledOut(client: ApiClient, image: string, replicas: number, started: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const d = await client.get<Deployment>("Deployment", "bench", "default");
    const s = d.status ?? {};
    if (d.spec.template.spec.containers[0].image === image && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas) {
      return performance.now() - started;
    }
    if (performance.now() - started > timeoutMs) throw new Error(`timed out: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long the server idles (heart-beats only) before its steady RSS is read. */
const SETTLE_MS = 15_000;

interface RunResult {
  applyMs: number;
  rollingMs: number;
  scaleMs: number;
  /** RSS the moment the last pod became available */
  rssAtDoneMb: number;
  /** RSS after SETTLE_MS */
  rssMb: number;
  peakRssMb: number;
  /** V8 heap used after SETTLE_MS (the rest of the RSS is V8's reserve, code, SQLite, buffers) */
  heapUsedMb: number;
}

async function run(args: Args): Promise<RunResult> {
  const server = await startServer();
  // Same server, token and CA (the server may serve HTTPS with its own cluster CA).
  const nodesClient = new ApiClient(server.config);
  const nodes = await startSimulatedNodes({ client: nodesClient, logger: silentLogger(), count: args.nodes, pods: Math.ceil((args.pods * 1.5) / args.nodes), heartbeatMs: 5_000 });
  try {
    const { client } = server;
    let t = performance.now();
    await client.create(manifest(args.replicas));
    const applyMs = await waitRolledOut(client, "web:v1", args.replicas, t, 120_000);

    t = performance.now();
    await client.patch("Deployment", "bench", { spec: { template: { spec: { containers: [{ name: "web", image: "web:v2" }] } } } }, { namespace: "default" });
    const rollingMs = await waitRolledOut(client, "web:v2", args.replicas, t, 180_000);

    t = performance.now();
    await client.updateScale("Deployment", "bench", args.pods, "default");
    const scaleMs = await waitRolledOut(client, "web:v2", args.pods, t, 600_000);
    const atDone = rssMb(server.child.pid ?? 0);
    // Steady state: what the server holds with the pods once the burst's garbage is collected
    // (the heart-beats of the simulated nodes keep going meanwhile).
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const mem = rssMb(server.child.pid ?? 0);
    const heap = await heapMb(client);
    return { applyMs, rollingMs, scaleMs, rssAtDoneMb: atDone.rss, rssMb: mem.rss, peakRssMb: mem.peak, heapUsedMb: heap.used };
  } finally {
    await nodes.stop();
    nodesClient.close();
    await stopServer(server);
  }
}


async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results: RunResult[] = [];
  for (let i = 0; i < args.runs; i++) {
    results.push(await run(args));
    process.stderr.write(`run ${i + 1}/${args.runs} done\n`);
  }
  const med: RunResult = {
    applyMs: median(results.map((r) => r.applyMs)),
    rollingMs: median(results.map((r) => r.rollingMs)),
    scaleMs: median(results.map((r) => r.scaleMs)),
    rssAtDoneMb: median(results.map((r) => r.rssAtDoneMb)),
    rssMb: median(results.map((r) => r.rssMb)),
    peakRssMb: median(results.map((r) => r.peakRssMb)),
    heapUsedMb: median(results.map((r) => r.heapUsedMb)),
  };
  const row = (label: string, r: RunResult) =>
    `${label.padEnd(8)}${(r.applyMs / 1000).toFixed(2).padStart(12)}${(r.rollingMs / 1000).toFixed(2).padStart(14)}${(r.scaleMs / 1000).toFixed(2).padStart(16)}${r.rssAtDoneMb.toFixed(0).padStart(12)}${r.rssMb.toFixed(0).padStart(12)}${r.peakRssMb.toFixed(0).padStart(10)}${r.heapUsedMb.toFixed(0).padStart(10)}`;
  process.stdout.write(`deployment benchmark: ${args.replicas} replicas on ${args.nodes} simulated nodes; RSS of kctl server (API + controllers + scheduler) with ${args.pods} pods\n`);
  process.stdout.write(`${"run".padEnd(8)}${"apply (s)".padStart(12)}${"rolling (s)".padStart(14)}${`scale->${args.pods} (s)`.padStart(16)}${"RSS@done MB".padStart(12)}${"RSS@+15s MB".padStart(12)}${"peak MB".padStart(10)}${"heap MB".padStart(10)}\n`);
  results.forEach((r, i) => process.stdout.write(`${row(String(i + 1), r)}\n`));
  process.stdout.write(`${row("median", med)}\n`);
  process.stdout.write(`targets: apply < 10 s, rolling update < 20 s, RSS with ${args.pods} pods < 300 MB\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: "deployment",
      runs: args.runs,
      nodes: args.nodes,
      replicas: args.replicas,
      pods: args.pods,
      apply_s: +(med.applyMs / 1000).toFixed(3),
      rolling_update_s: +(med.rollingMs / 1000).toFixed(3),
      scale_to_pods_s: +(med.scaleMs / 1000).toFixed(3),
      server_rss_mb: +med.rssMb.toFixed(1),
      server_rss_at_done_mb: +med.rssAtDoneMb.toFixed(1),
      server_peak_rss_mb: +med.peakRssMb.toFixed(1),
      server_heap_used_mb: +med.heapUsedMb.toFixed(1),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`deployment benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
