/**
 * The etcd store against SQLite on the same machine: for each, an API server child process
 * (SQLite in a temp data dir; etcd = the local cluster of scripts/etcd.sh under a fresh prefix),
 * then creates/s with 32 concurrent clients up to 10,000 pods, the list of those 10,000 pods
 * (p50/p99), and watch delivery p50/p99 with 100 watchers while one client patches; and the
 * floor: as many creates as raw etcd transactions. Prints a table with the etcd/SQLite ratios
 * and one JSON line.
 * Usage: npm run build && bash scripts/etcd.sh && node dist/bench/etcd.js [--endpoints URL,...]
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Etcd3 } from "etcd3";
import { startApiServer } from "../apiserver/index.js";
import { ApiClient } from "../lib/client.js";
import type { KObject } from "../lib/types.js";

const PODS = 10_000;
const CONCURRENCY = 32;
const WATCHERS = 100;
const WATCH_WRITES = 300;
const SENT_RE = /"sent":"([\d.]+)"/;

async function serve(dir: string, endpoints: string, prefix: string): Promise<void> {
  const datastore = endpoints ? { endpoints: endpoints.split(","), prefix } : undefined;
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false, ...(datastore ? { datastore } : {}) });
  process.stdout.write(`${JSON.stringify({ url: s.url, token: s.adminToken })}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function post(url: string, token: string, agent: http.Agent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function timedGet(url: string, token: string): Promise<{ ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ ms: performance.now() - t0, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

const pod = (name: string): Buffer =>
  Buffer.from(JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "bench" } }, spec: { containers: [{ name: "app", image: "nginx:1.25", resources: { requests: { cpu: "10m" } } }] } }));

/**
 * The floor under the etcd store: the same number of creates as one etcd transaction each
 * (compare create revision 0, put the pod's JSON), 32 at a time, from this process straight to
 * etcd with the same client library: what etcd itself allows on this machine, without an API
 * server. Its keys are deleted afterwards.
 */
async function etcdFloor(endpoints: string): Promise<number> {
  const client = new Etcd3({ hosts: endpoints.split(",") });
  const prefix = `/kctl-bench-floor/${randomUUID()}/`;
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PODS) {
          const key = `${prefix}p-${next++}`;
          await client.if(key, "Create", "==", 0).then(client.put(key).value(pod(key))).commit();
        }
      }),
    );
    return PODS / ((performance.now() - t0) / 1000);
  } finally {
    await client.delete().prefix(prefix).catch(() => undefined);
    client.close();
  }
}

async function measure(endpoints: string): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-etcd-"));
  const prefix = `/kctl-bench/${randomUUID()}`;
  const child = spawn(process.execPath, [process.argv[1]!, "--serve", dir, endpoints, prefix], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  const client = new ApiClient({ server: url, token });
  const r: Record<string, number> = {};
  try {
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PODS) {
          const i = next++;
          const code = await post(`${url}/api/v1/namespaces/bench/pods`, token, agent, pod(`p-${i}`));
          if (code !== 201) throw new Error(`create p-${i}: HTTP ${code}`);
        }
      }),
    );
    r.createsPerSec = PODS / ((performance.now() - t0) / 1000);
    agent.destroy();
    const lists: number[] = [];
    for (let i = 0; i < 10; i++) {
      const g = await timedGet(`${url}/api/v1/namespaces/bench/pods`, token);
      const n = (JSON.parse(g.body.toString("utf8")) as { items: unknown[] }).items.length;
      if (n !== PODS) throw new Error(`list returned ${n} pods`);
      lists.push(g.ms);
    }
    lists.sort((a, b) => a - b);
    r.listP50Ms = pct(lists, 50);
    r.listP99Ms = pct(lists, 99);

    const cm = await client.create<KObject>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tick", annotations: { sent: "0" } } }, "bench");
    const delays: number[] = [];
    const reqs: http.ClientRequest[] = [];
    await Promise.all(
      Array.from({ length: WATCHERS }, () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(`${url}/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=${cm.metadata.resourceVersion}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.setEncoding("utf8");
            let buf = "";
            res.on("data", (chunk: string) => {
              const now = performance.timeOrigin + performance.now();
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf("\n")) >= 0) {
                const m = SENT_RE.exec(buf.slice(0, nl));
                buf = buf.slice(nl + 1);
                if (m && Number(m[1]) > 0) delays.push(now - Number(m[1]));
              }
            });
            resolve();
          });
          req.on("error", reject);
          reqs.push(req);
        }),
      ),
    );
    for (let i = 0; i < WATCH_WRITES; i++) {
      const sent = String(performance.timeOrigin + performance.now());
      await client.patch("ConfigMap", "tick", { metadata: { annotations: { sent } } }, { namespace: "bench" });
    }
    const deadline = Date.now() + 10_000;
    while (delays.length < WATCH_WRITES * WATCHERS && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    for (const q of reqs) q.destroy();
    delays.sort((a, b) => a - b);
    r.watchDelivered = delays.length;
    r.watchP50Ms = pct(delays, 50);
    r.watchP99Ms = pct(delays, 99);
  } finally {
    client.close();
    child.kill("SIGTERM");
    await new Promise((res) => child.once("exit", res));
    fs.rmSync(dir, { recursive: true, force: true });
    // 10,000 pods per run would otherwise stay in the shared etcd and slow the next runs
    if (endpoints) {
      const etcd = new Etcd3({ hosts: endpoints.split(",") });
      await etcd.delete().prefix(`${prefix}/`).catch(() => undefined);
      etcd.close();
    }
  }
  return r;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--endpoints");
  const endpoints = i > 0 ? process.argv[i + 1]! : "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379";
  const sqlite = await measure("");
  const etcd = await measure(endpoints);
  const floor = await etcdFloor(endpoints);
  const f = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "-" : n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const rows: [string, string, string, string, string][] = [
    [`creates/s, ${CONCURRENCY} clients`, f(sqlite.createsPerSec), f(etcd.createsPerSec), `${((etcd.createsPerSec! / sqlite.createsPerSec!) * 100).toFixed(0)} %`, ">= 40 %"],
    [`creates/s, raw etcd txns (floor)`, "", f(floor), `${((floor / sqlite.createsPerSec!) * 100).toFixed(0)} %`, `store at ${((etcd.createsPerSec! / floor) * 100).toFixed(0)} % of it`],
    [`list ${PODS} pods p50 (ms)`, f(sqlite.listP50Ms), f(etcd.listP50Ms), `${(etcd.listP50Ms! / sqlite.listP50Ms!).toFixed(2)}x`, ""],
    [`list ${PODS} pods p99 (ms)`, f(sqlite.listP99Ms), f(etcd.listP99Ms), `${(etcd.listP99Ms! / sqlite.listP99Ms!).toFixed(2)}x`, ""],
    [`watch p50 (ms), ${WATCHERS} watchers`, f(sqlite.watchP50Ms), f(etcd.watchP50Ms), `${(etcd.watchP50Ms! / sqlite.watchP50Ms!).toFixed(2)}x`, ""],
    [`watch p99 (ms), ${WATCHERS} watchers`, f(sqlite.watchP99Ms), f(etcd.watchP99Ms), `${(etcd.watchP99Ms! / sqlite.watchP99Ms!).toFixed(2)}x`, "< 50 both"],
    ["watch events delivered", f(sqlite.watchDelivered), f(etcd.watchDelivered), "", `${WATCH_WRITES * WATCHERS}`],
  ];
  const w = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length), ["metric", "sqlite", "etcd", "etcd/sqlite"][c]!.length));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[0]!) : c < 4 ? x.padStart(w[c]!) : x)).join("  ");
  process.stdout.write(`${[line(["metric", "sqlite", "etcd", "etcd/sqlite", "target"]), ...rows.map(line)].join("\n")}\n`);
  const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  process.stdout.write(`${JSON.stringify({ bench: "etcd", sqlite: round(sqlite), etcd: round(etcd), etcdFloorCreatesPerSec: Math.round(floor), createsRatio: Math.round((etcd.createsPerSec! / sqlite.createsPerSec!) * 100) / 100, floorRatio: Math.round((floor / sqlite.createsPerSec!) * 100) / 100 })}\n`);
}

if (process.argv[2] === "--serve") await serve(process.argv[3]!, process.argv[4] ?? "", process.argv[5] ?? "");
else await main();
