/**
 * Job scale benchmark on simulated nodes (control plane only: API server, Job controller and
 * scheduler in this process, pods "run" on 100 simulated nodes and exit 0 through
 * bench/sim-job-pods.ts): a Job of 1,000 completions at parallelism 100, from create to Complete.
 * Reports completed pods per second.
 *
 * Prints a table (each run and the median) and one JSON line.
 * Usage: npm run build && node dist/bench/job-scale.js [--runs 3] [--nodes 100] [--completions 1000] [--parallelism 100]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { Job } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";
import { startSimulatedNodes } from "../simnode/index.js";
import { completeJobPods } from "./sim-job-pods.js";
import { median } from "./stats.js";

function parseArgs(argv: string[]): { runs: number; nodes: number; completions: number; parallelism: number } {
  const a = { runs: 3, nodes: 100, completions: 1000, parallelism: 100 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "") as keyof typeof a;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v <= 0) throw new Error(`usage: job-scale.js [--runs N] [--nodes N] [--completions N] [--parallelism N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

async function oneRun(args: ReturnType<typeof parseArgs>): Promise<{ ms: number; podsPerSecond: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-job-"));
  const logger = silentLogger();
  const srv = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false, logger });
  const mk = () => new ApiClient({ server: srv.url, token: srv.adminToken });
  const client = mk();
  const nodes = await startSimulatedNodes({ client: mk(), logger, count: args.nodes });
  const sched = await startScheduler({ client: mk(), logger });
  const cm = await startControllerManager({ client: mk(), logger });
  const completer = await completeJobPods(mk(), "default");
  try {
    const t0 = performance.now();
    await client.create<Job>({
      apiVersion: "batch/v1", kind: "Job", metadata: { name: "scale", namespace: "default" },
      spec: { completions: args.completions, parallelism: args.parallelism, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] } } },
    } as Job, "default");
    for (;;) {
      const j = await client.get<Job>("Job", "scale", "default");
      if (j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    return { ms, podsPerSecond: (args.completions / ms) * 1000 };
  } finally {
    completer.stop();
    await cm.stop();
    await sched.stop();
    await nodes.stop();
    client.close();
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: { ms: number; podsPerSecond: number }[] = [];
  for (let r = 0; r < args.runs; r++) rows.push(await oneRun(args));
  const out = process.stdout;
  out.write(`${"run".padEnd(8)}${"to Complete".padStart(14)}${"pods/s".padStart(10)}\n`);
  rows.forEach((r, i) => out.write(`${String(i + 1).padEnd(8)}${`${(r.ms / 1000).toFixed(2)} s`.padStart(14)}${r.podsPerSecond.toFixed(0).padStart(10)}\n`));
  const ms = median(rows.map((r) => r.ms));
  const pps = median(rows.map((r) => r.podsPerSecond));
  out.write(`${"median".padEnd(8)}${`${(ms / 1000).toFixed(2)} s`.padStart(14)}${pps.toFixed(0).padStart(10)}\n`);
  out.write(`${JSON.stringify({ bench: "job-scale", nodes: args.nodes, completions: args.completions, parallelism: args.parallelism, ms: Math.round(ms), podsPerSecond: Math.round(pps) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
