/**
 * DaemonSet scale benchmark on simulated nodes (control plane only: API server, controllers and
 * scheduler in this process; 100 simulated nodes mark pods Running and Ready): create a DaemonSet
 * and time until it reports 100 Ready pods. Reports pods/s.
 *
 * Prints a table (each run and the median) and one JSON line.
 * Usage: npm run build && node dist/bench/daemonset-scale.js [--runs 3] [--nodes 100]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { DaemonSet } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";
import { startSimulatedNodes } from "../simnode/index.js";
import { median } from "./stats.js";

function parseArgs(argv: string[]): { runs: number; nodes: number } {
  const a = { runs: 3, nodes: 100 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "") as keyof typeof a;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v <= 0) throw new Error(`usage: daemonset-scale.js [--runs N] [--nodes N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

async function oneRun(nodesWanted: number): Promise<{ ms: number; podsPerSecond: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-ds-"));
  const logger = silentLogger();
  const srv = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false, logger });
  const mk = () => new ApiClient({ server: srv.url, token: srv.adminToken });
  const client = mk();
  const nodes = await startSimulatedNodes({ client: mk(), logger, count: nodesWanted });
  const sched = await startScheduler({ client: mk(), logger });
  const cm = await startControllerManager({ client: mk(), logger });
  try {
    const t0 = performance.now();
    await client.create<DaemonSet>({
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "default" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "agent", image: "agent:v1" }] } } },
    } as DaemonSet, "default");
    for (;;) {
      const d = await client.get<DaemonSet>("DaemonSet", "agent", "default");
      if ((d.status?.numberReady ?? 0) >= nodesWanted) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    return { ms, podsPerSecond: (nodesWanted / ms) * 1000 };
  } finally {
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
  for (let r = 0; r < args.runs; r++) rows.push(await oneRun(args.nodes));
  const out = process.stdout;
  out.write(`${"run".padEnd(8)}${"to all Ready".padStart(14)}${"pods/s".padStart(10)}\n`);
  rows.forEach((r, i) => out.write(`${String(i + 1).padEnd(8)}${`${(r.ms / 1000).toFixed(2)} s`.padStart(14)}${r.podsPerSecond.toFixed(0).padStart(10)}\n`));
  const ms = median(rows.map((r) => r.ms));
  const pps = median(rows.map((r) => r.podsPerSecond));
  out.write(`${"median".padEnd(8)}${`${(ms / 1000).toFixed(2)} s`.padStart(14)}${pps.toFixed(0).padStart(10)}\n`);
  out.write(`${JSON.stringify({ bench: "daemonset-scale", nodes: args.nodes, ms: Math.round(ms), podsPerSecond: Math.round(pps) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
