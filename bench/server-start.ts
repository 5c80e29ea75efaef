/**
 * `kctl server` start-up, as a user sees it: from spawning the process to the API answering
 * (/readyz) and to its node being Ready (the kubelet registered and heart-beat), for a first
 * start (a new data dir: CA, certificates, tokens) and a restart (the same data dir). The bundled
 * CLI (bin/kctl → dist/bundle/, what users run) and the plain tsc output (dist/cli/main.js) are
 * interleaved run by run, so machine noise hits both alike. Target: Ready node ≤ 1.0 s.
 *
 * Prints a table (medians) and one JSON line.
 * Usage: npm run build && node dist/bench/server-start.js [--runs 5]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../lib/client.js";
import { clientConfigFromKubeconfig, readKubeconfig } from "../lib/kubeconfig.js";
import type { Node } from "../lib/types.js";
import { median } from "./stats.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ENTRIES = { bundle: path.join(ROOT, "bin/kctl"), plain: path.join(ROOT, "dist/cli/main.js") } as const;
type Entry = keyof typeof ENTRIES;
const PORT = 7643;

interface Timing {
  /** ms from spawn until the API answered (GET /version) */
  api: number;
  /** ms from spawn until the node's Ready condition was True */
  ready: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Ready condition's last heartbeat a run saw, per node: a restart must show a newer one. */
const lastHeartbeat = new Map<string, string>();

/** Start `kctl server` from `entry` on `dataDir`, time it, stop it. */
async function timeStart(entry: Entry, dataDir: string, node: string): Promise<Timing> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [ENTRIES[entry], "server", "--data-dir", dataDir, "--listen", `127.0.0.1:${PORT}`, "--node-name", node, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, KCTL_CONFIG: path.join(dataDir, "client-config") },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  try {
    const deadline = t0 + 30_000;
    let api = 0;
    let client: ApiClient | undefined;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kctl server exited (${child.exitCode}): ${stderr.trim()}`);
      if (!client && fs.existsSync(path.join(dataDir, "admin.kubeconfig"))) {
        client = new ApiClient(clientConfigFromKubeconfig(readKubeconfig(path.join(dataDir, "admin.kubeconfig")), undefined, dataDir));
      }
      if (client) {
        if (!api && (await client.request("GET", "/version").then(() => true, () => false))) api = performance.now() - t0;
        if (api) {
          const n = await client.get<Node>("Node", node).catch(() => undefined);
          const ready = n?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
          // On a restart the stored Node still says Ready: only a heartbeat of this process counts.
          if (ready?.lastHeartbeatTime && ready.lastHeartbeatTime !== lastHeartbeat.get(node)) {
            lastHeartbeat.set(node, ready.lastHeartbeatTime);
            return { api, ready: performance.now() - t0 };
          }
        }
      }
      await sleep(10);
    }
    throw new Error(`node ${node} not Ready within 30 s: ${stderr.trim()}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
  }
}

function parseRuns(argv: string[]): number {
  const i = argv.indexOf("--runs");
  const n = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!Number.isInteger(n) || n <= 0) throw new Error("usage: server-start.js [--runs N]");
  return n;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const results: Record<string, Timing[]> = {};
  const add = (k: string, t: Timing) => (results[k] ??= []).push(t);
  for (let r = 0; r < runs; r++) {
    for (const entry of ["bundle", "plain"] as Entry[]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-start-"));
      const node = `start-${entry}-${r}`;
      try {
        add(`${entry} first start`, await timeStart(entry, dir, node));
        add(`${entry} restart`, await timeStart(entry, dir, node));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const rows = Object.entries(results).map(([k, ts]) => ({ case: k, api: median(ts.map((t) => t.api)), ready: median(ts.map((t) => t.ready)) }));
  console.log(`kctl server start-up, medians of ${runs} runs (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
  console.log("case                  API answers   node Ready");
  for (const r of rows) console.log(`${r.case.padEnd(22)}${`${Math.round(r.api)} ms`.padStart(11)}${`${Math.round(r.ready)} ms`.padStart(13)}`);
  console.log(JSON.stringify({ bench: "server-start", runs, results: Object.fromEntries(rows.map((r) => [r.case, { apiMs: Math.round(r.api), readyMs: Math.round(r.ready) }])) }));
}

await main();
