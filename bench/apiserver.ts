/**
 * API server benchmark. Starts the server as a child process (so the server and the load
 * generator each get a core) on a temp data dir, then measures:
 *   - creates/s, sequential and with 32 concurrent clients
 *   - get and list latency p50/p99 with 10,000 pods stored
 *   - watch delivery latency p50/p99 with 100 concurrent watchers while writing
 * Prints a table and one JSON line. Usage: npm run build && npm run bench:apiserver
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startApiServer } from "../apiserver/index.js";
import { ApiClient } from "../lib/client.js";
import type { Pod } from "../lib/types.js";

const TOTAL_PODS = 10_000;
const SEQUENTIAL = 1_000;
const CONCURRENCY = 32;
const WATCHERS = 100;
const WATCH_WRITES = 2_000;
const SENT_RE = /"sent":"([\d.]+)"/;

/** Child mode: run the server and print its URL and token as one JSON line. */
async function serve(dir: string): Promise<void> {
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false });
  process.stdout.write(`${JSON.stringify({ url: s.url, token: s.adminToken })}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function podFor(name: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "bench", shard: String(name.length % 7) } },
    spec: { containers: [{ name: "app", image: "nginx:1.25", ports: [{ containerPort: 80 }], resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
  };
}

/**
 * POST one JSON body; resolves with the status code. A raw keep-alive request with the body
 * already serialized and the response left unparsed, like wrk/ab: the figures measure the server
 * rather than the load generator, which shares the same two cores.
 */
function rawPost(url: string, token: string, agent: http.Agent, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** GET a path and resolve with the time until the last body byte arrived (ms) and the size. */
function timedGet(url: string, token: string, agent: http.Agent): Promise<{ ms: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get(url, { headers: { authorization: `Bearer ${token}` }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ ms: performance.now() - t0, bytes: body.length, body });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-"));
  const script = process.argv[1]!;
  const child = spawn(process.execPath, [script, "--serve", dir], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  const client = new ApiClient({ server: url, token });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const results: Record<string, number> = {};
  try {
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench" } });
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "bench-watch" } });

    // warm-up
    for (let i = 0; i < 200; i++) await client.create(podFor(`warm-${i}`), "bench-watch");

    const podsUrl = `${url}/api/v1/namespaces/bench/pods`;
    const createAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const create = async (name: string) => {
      const code = await rawPost(podsUrl, token, createAgent, Buffer.from(JSON.stringify(podFor(name))));
      if (code !== 201) throw new Error(`create ${name}: HTTP ${code}`);
    };
    let t0 = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) await create(`seq-${i}`);
    results.createsPerSecSequential = SEQUENTIAL / ((performance.now() - t0) / 1000);

    let next = 0;
    const concurrentTotal = TOTAL_PODS - SEQUENTIAL;
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < concurrentTotal) {
          const i = next++;
          await create(`con-${i}`);
        }
      }),
    );
    createAgent.destroy();
    results.createsPerSecConcurrent32 = concurrentTotal / ((performance.now() - t0) / 1000);

    const gets: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const name = `con-${Math.floor(Math.random() * concurrentTotal)}`;
      const r = await timedGet(`${url}/api/v1/namespaces/bench/pods/${name}`, token, agent);
      gets.push(r.ms);
    }
    gets.sort((a, b) => a - b);
    results.getP50Ms = pct(gets, 50);
    results.getP99Ms = pct(gets, 99);

    const lists: number[] = [];
    const listsParsed: number[] = [];
    let listBytes = 0;
    let count = 0;
    for (let i = 0; i < 20; i++) {
      const r = await timedGet(`${url}/api/v1/namespaces/bench/pods`, token, agent);
      const p0 = performance.now();
      count = (JSON.parse(r.body.toString("utf8")) as { items: unknown[] }).items.length;
      listsParsed.push(r.ms + (performance.now() - p0));
      lists.push(r.ms);
      listBytes = r.bytes;
    }
    if (count !== TOTAL_PODS) throw new Error(`list returned ${count} pods, expected ${TOTAL_PODS}`);
    lists.sort((a, b) => a - b);
    listsParsed.sort((a, b) => a - b);
    results.listPods = count;
    results.listBytes = listBytes;
    results.listP50Ms = pct(lists, 50);
    results.listP99Ms = pct(lists, 99);
    results.listWithParseP50Ms = pct(listsParsed, 50);

    // watch delivery: 100 watchers on one namespace; the writer stamps each update with its send time
    const delays: number[] = [];
    const rv = (await client.list("ConfigMap", { namespace: "bench-watch", limit: 1 })).metadata.resourceVersion;
    const watchers: http.ClientRequest[] = [];
    let received = 0;
    await Promise.all(
      Array.from({ length: WATCHERS }, () =>
        new Promise<void>((resolve, reject) => {
          const req = http.get(`${url}/api/v1/namespaces/bench-watch/configmaps?watch=true&resourceVersion=${rv}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.setEncoding("utf8");
            let buf = "";
            res.on("data", (chunk: string) => {
              const now = performance.timeOrigin + performance.now();
              buf += chunk;
              let nl: number;
              while ((nl = buf.indexOf("\n")) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                // A regex instead of JSON.parse keeps the load generator (same 2 cores) out of the figures.
                const m = SENT_RE.exec(line);
                const sent = m ? Number(m[1]) : 0;
                if (sent) {
                  delays.push(now - sent);
                  received++;
                }
              }
            });
            resolve();
          });
          req.on("error", reject);
          watchers.push(req);
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 200));
    const cm = await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tick", annotations: { sent: "0" } } }, "bench-watch");
    t0 = performance.now();
    for (let i = 0; i < WATCH_WRITES; i++) {
      const sent = String(performance.timeOrigin + performance.now());
      await client.patch("ConfigMap", cm.metadata.name!, { metadata: { annotations: { sent } } }, { namespace: "bench-watch" });
    }
    results.watchWritesPerSec = WATCH_WRITES / ((performance.now() - t0) / 1000);
    const deadline = Date.now() + 10_000;
    while (received < WATCH_WRITES * WATCHERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const w of watchers) w.destroy();
    delays.sort((a, b) => a - b);
    results.watchers = WATCHERS;
    results.watchEventsDelivered = received;
    results.watchP50Ms = pct(delays, 50);
    results.watchP99Ms = pct(delays, 99);
  } finally {
    client.close();
    agent.destroy();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const f = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 0));
  const rows: [string, string, string][] = [
    ["creates/s sequential", f(results.createsPerSecSequential!), ""],
    [`creates/s ${CONCURRENCY} concurrent`, f(results.createsPerSecConcurrent32!), ">= 3000"],
    ["get p50 / p99 (ms)", `${f(results.getP50Ms!)} / ${f(results.getP99Ms!)}`, ""],
    [`list ${results.listPods} pods p50 / p99 (ms)`, `${f(results.listP50Ms!)} / ${f(results.listP99Ms!)}`, "< 150"],
    ["list incl. client JSON.parse p50 (ms)", f(results.listWithParseP50Ms!), ""],
    [`watch delivery p50 / p99 (ms), ${WATCHERS} watchers`, `${f(results.watchP50Ms!)} / ${f(results.watchP99Ms!)}`, "p99 < 50"],
    ["watch writes/s during delivery test", f(results.watchWritesPerSec!), ""],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = [`${"metric".padEnd(w0)}  ${"value".padStart(w1)}  target`, ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)];
  process.stdout.write(`${lines.join("\n")}\n`);
  const rounded = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  process.stdout.write(`${JSON.stringify({ bench: "apiserver", ...rounded })}\n`);
}

if (process.argv[2] === "--serve") await serve(process.argv[3]!);
else await main();
