/**
 * A lost node, with the default lab settings (node-monitor grace period, eviction timeout,
 * agent heart-beat): two real `kctl agent` processes (bin/kctl, node IPs 127.0.0.2 and
 * 127.0.0.3, one shared engine) against an in-process API server, controller manager and
 * scheduler with no overrides. Two measures:
 *
 * - node loss: a 4-replica Deployment runs on both nodes; `kill -9` of one agent; the time until
 *   its node is NotReady, and until 4 Ready pods run on the survivor (target < 30 s);
 * - a loaded machine: both agents run while 8 busy processes keep the 2 cores saturated (load
 *   average about 8) for `--load-seconds`; any moment either node is not Ready is counted (target 0).
 *
 * Prints a table and one JSON line.
 * Run: `node dist/bench/node-loss.js [--runs 3] [--load-seconds 60]`
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../apiserver/index.js";
import { DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS, DEFAULT_POD_EVICTION_TIMEOUT_SECONDS, startControllerManager } from "../controllers/index.js";
import { DEFAULT_HEARTBEAT_SECONDS } from "../kubelet/index.js";
import { LABEL_NODE } from "../kubelet/labels.js";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { Deployment, Node, Pod } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";
import { docker } from "./in-process-cluster.js";
import { median } from "./stats.js";

const KCTL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/kctl");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv: string[]): { runs: number; loadSeconds: number } {
  const a = { runs: 3, loadSeconds: 60 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "").replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()) as keyof typeof a;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v < 0) throw new Error(`usage: node-loss.js [--runs N] [--load-seconds N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

const isReady = (o: Node | Pod) => o.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";

/** Poll `test` every 100 ms until it holds; ms waited. */
async function until(what: string, test: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  while (!(await test())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
  return performance.now() - t0;
}

function deployment(name: string): Deployment {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default" },
    spec: {
      replicas: 4, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: "kctl-test/web:v1", imagePullPolicy: "IfNotPresent" }] } },
    },
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-node-loss-"));
  const api = await startApiServer({ dataDir, listen: "127.0.0.1:0" });
  const client = new ApiClient({ server: api.url, token: api.adminToken, ca: api.caPem });
  const cm = await startControllerManager({ client, logger: silentLogger() });
  const sched = await startScheduler({ client, logger: silentLogger() });
  const agents = new Map<string, ChildProcess>();
  const run = `loss-${process.pid}`;
  const startAgent = (node: string, ip: string): void => {
    const p = spawn(process.execPath, [KCTL, "agent", "--server", api.url, "--token", api.nodeToken, "--node-name", node, "--node-ip", ip, "--data-dir", path.join(dataDir, node), "-v", "warn"], { stdio: "ignore" });
    agents.set(node, p);
  };
  const stopAgent = async (node: string, signal: NodeJS.Signals): Promise<void> => {
    const p = agents.get(node);
    if (!p || p.exitCode !== null || p.signalCode) return;
    p.kill(signal);
    await new Promise((r) => p.once("exit", r));
  };
  const nodeReady = async (node: string) => isReady(await client.get<Node>("Node", node).catch(() => ({}) as Node));
  const loss: { notReady: number; recovered: number }[] = [];
  let flaps = 0;
  let loadAvg = 0;
  const burners: ChildProcess[] = [];
  try {
    for (let r = 0; r < args.runs; r++) {
      const [a, b] = [`${run}-a${r}`, `${run}-b${r}`];
      startAgent(a, "127.0.0.2");
      startAgent(b, "127.0.0.3");
      await until("both agents Ready", async () => (await nodeReady(a)) && (await nodeReady(b)));
      const name = `loss${r}`;
      await client.create(deployment(name));
      const pods = async () => (await client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
      await until("4 Ready pods on both nodes", async () => {
        const ps = await pods();
        return ps.length === 4 && ps.every(isReady) && new Set(ps.map((p) => p.spec.nodeName)).size === 2;
      });
      const t0 = performance.now();
      await stopAgent(b, "SIGKILL");
      await until(`${b} not Ready`, async () => !(await nodeReady(b)));
      const notReady = performance.now() - t0;
      await until("4 Ready pods on the survivor", async () => {
        const ps = await pods();
        return ps.length === 4 && ps.every((p) => isReady(p) && p.spec.nodeName === a);
      });
      loss.push({ notReady, recovered: performance.now() - t0 });
      await client.delete("Deployment", name, { namespace: "default" });
      await stopAgent(a, "SIGTERM");
      for (const n of [a, b]) {
        await client.delete("Node", n).catch(() => undefined);
        const ids = (await docker("ps", "-aq", "--filter", `label=${LABEL_NODE}=${n}`)).split("\n").filter(Boolean);
        if (ids.length) await docker("rm", "-f", ...ids);
      }
    }

    if (args.loadSeconds > 0) {
      const [a, b] = [`${run}-la`, `${run}-lb`];
      startAgent(a, "127.0.0.2");
      startAgent(b, "127.0.0.3");
      await until("both agents Ready", async () => (await nodeReady(a)) && (await nodeReady(b)));
      for (let i = 0; i < 8; i++) burners.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
      // Every change of either node's Ready condition arrives on a watch: count the not-Ready ones.
      const list = await client.list<Node>("Node");
      const watch = client.watch<Node>("Node", { resourceVersion: list.metadata.resourceVersion }, (ev) => {
        if (ev.type === "MODIFIED" && [a, b].includes(ev.object.metadata.name ?? "") && !isReady(ev.object)) flaps++;
      });
      const samples: number[] = [];
      const end = performance.now() + args.loadSeconds * 1000;
      while (performance.now() < end) {
        await sleep(1000);
        samples.push(os.loadavg()[0]!);
      }
      watch.stop();
      loadAvg = median(samples.slice(Math.floor(samples.length / 2)));
      for (const p of burners) p.kill("SIGKILL");
      for (const n of [a, b]) await stopAgent(n, "SIGTERM");
    }
  } finally {
    for (const p of burners) p.kill("SIGKILL");
    for (const n of agents.keys()) await stopAgent(n, "SIGKILL");
    await sched.stop();
    await cm.stop();
    await api.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const out = process.stdout;
  const settings = `grace ${DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS} s, eviction ${DEFAULT_POD_EVICTION_TIMEOUT_SECONDS} s, heart-beat ${DEFAULT_HEARTBEAT_SECONDS} s`;
  out.write(`\nnode loss with the default lab settings (${settings}), medians of ${args.runs} runs\n`);
  out.write(`${"agent killed → node not Ready".padEnd(44)}${`${(median(loss.map((x) => x.notReady)) / 1000).toFixed(1)} s`.padStart(10)}\n`);
  out.write(`${"agent killed → 4 Ready pods on the survivor".padEnd(44)}${`${(median(loss.map((x) => x.recovered)) / 1000).toFixed(1)} s`.padStart(10)}\n`);
  if (args.loadSeconds > 0) out.write(`${`not-Ready events of 2 live nodes, ${args.loadSeconds} s at load ${loadAvg.toFixed(1)}`.padEnd(44)}${String(flaps).padStart(10)}\n`);
  out.write(`${JSON.stringify({ bench: "node-loss", runs: args.runs, settings: { graceS: DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS, evictionS: DEFAULT_POD_EVICTION_TIMEOUT_SECONDS, heartbeatS: DEFAULT_HEARTBEAT_SECONDS }, notReadyMs: loss.map((x) => Math.round(x.notReady)), recoveredMs: loss.map((x) => Math.round(x.recovered)), medianRecoveredMs: Math.round(median(loss.map((x) => x.recovered))), loaded: { seconds: args.loadSeconds, loadAverage: Number(loadAvg.toFixed(1)), notReadyEvents: flaps } })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench/node-loss: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
