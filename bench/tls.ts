/**
 * TLS cost benchmark: API creates/s over HTTPS (the default: cluster CA, EC P-256 serving
 * certificate) against plain HTTP, in one run. Each server runs as its own child process (server
 * and load generator each get a core, as in bench/apiserver.ts); 32 concurrent keep-alive clients
 * POST pre-serialized ConfigMaps; rounds alternate HTTP/HTTPS and the median of 3 is reported.
 * Also: the cost of a new TLS connection (handshake + one GET, no keep-alive).
 * Target: HTTPS >= 80% of HTTP. Prints a table and one JSON line.
 * Usage: npm run build && node dist/bench/tls.js [--creates 4000]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../apiserver/index.js";
import { median } from "./stats.js";

const CONCURRENCY = 32;
const ROUNDS = 3;
const HANDSHAKES = 200;

interface Endpoint {
  url: string;
  token: string;
  ca?: string;
}

/** Child mode: serve HTTPS (default) or plain HTTP on loopback and print the endpoint. */
async function serve(dir: string, mode: string): Promise<void> {
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: mode === "https" ? undefined : false });
  process.stdout.write(`${JSON.stringify({ url: s.url, token: s.adminToken, ca: s.caPem } satisfies Endpoint)}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function startChild(mode: "http" | "https"): Promise<{ child: ChildProcess; ep: Endpoint; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kctl-bench-tls-${mode}-`));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve", dir, mode], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { child, ep: JSON.parse(line) as Endpoint, dir };
}

/**
 * POST one pre-serialized body. A string body goes out in the same write as the headers (Node
 * concatenates them), so each request is one TLS record, as Go's client-go sends it.
 */
function post(ep: Endpoint, agent: http.Agent, body: string): Promise<number> {
  const transport = ep.url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(`${ep.url}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      agent,
      headers: { authorization: `Bearer ${ep.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Creates/s with CONCURRENCY keep-alive clients. */
async function createRate(ep: Endpoint, n: number, tag: string): Promise<number> {
  const agent = ep.url.startsWith("https:")
    ? new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: ep.ca })
    : new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const bodies = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${tag}-${i}`, labels: { bench: "tls" } }, data: { key: "x".repeat(200) } }),
  );
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const code = await post(ep, agent, bodies[next++]!);
        if (code !== 201) failed++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  if (failed) throw new Error(`${failed} creates failed`);
  return n / secs;
}

/** Median ms of a new connection + one GET (TLS handshake included for HTTPS). */
async function newConnectionMs(ep: Endpoint): Promise<number> {
  const transport = ep.url.startsWith("https:") ? https : http;
  const times: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      transport
        .get(`${ep.url}/healthz`, { agent: false, ...(ep.ca ? { ca: ep.ca } : {}) }, (res) => {
          res.resume();
          res.on("end", () => resolve());
        })
        .on("error", reject);
    });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** CPU time (user + system, ms) a process has used so far (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks: USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}


async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--serve") return serve(argv[1]!, argv[2]!);
  const i = argv.indexOf("--creates");
  const creates = i >= 0 ? Number(argv[i + 1]) : 4000;
  const servers = { http: await startChild("http"), https: await startChild("https") };
  try {
    // warm-up: JIT, TLS sessions, SQLite pages
    for (const m of ["http", "https"] as const) await createRate(servers[m].ep, 2000, `warm-${m}`);
    const rates: Record<"http" | "https", number[]> = { http: [], https: [] };
    // Server CPU per create: what TLS costs the server, whatever the shared cores do to the
    // load generator (which pays for TLS too, on the other core).
    const cpuPerK: Record<"http" | "https", number[]> = { http: [], https: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const m of (r % 2 === 0 ? ["http", "https"] : ["https", "http"]) as ("http" | "https")[]) {
        const c0 = cpuMs(servers[m].child.pid);
        rates[m].push(await createRate(servers[m].ep, creates, `r${r}-${m}`));
        cpuPerK[m].push(((cpuMs(servers[m].child.pid) - c0) / creates) * 1000);
      }
    }
    const conn = { http: await newConnectionMs(servers.http.ep), https: await newConnectionMs(servers.https.ep) };
    const http_ = median(rates.http);
    const https_ = median(rates.https);
    const ratio = https_ / http_;
    const cpu = { http: median(cpuPerK.http), https: median(cpuPerK.https) };
    const fmt = (n: number) => n.toFixed(0).padStart(10);
    const lines = [
      `TLS benchmark: ${creates} ConfigMap creates x ${ROUNDS} rounds, ${CONCURRENCY} keep-alive clients, median of ${ROUNDS} (${os.cpus().length} CPUs)`,
      `                    creates/s   rounds                    server CPU ms/1000 creates   new connection + GET (ms, median of ${HANDSHAKES})`,
      `  HTTP            ${fmt(http_)}   ${rates.http.map((x) => x.toFixed(0)).join(" / ").padEnd(24)}  ${cpu.http.toFixed(0).padStart(8)}                     ${conn.http.toFixed(2)}`,
      `  HTTPS (P-256)   ${fmt(https_)}   ${rates.https.map((x) => x.toFixed(0)).join(" / ").padEnd(24)}  ${cpu.https.toFixed(0).padStart(8)}                     ${conn.https.toFixed(2)}`,
      `  HTTPS / HTTP    ${(ratio * 100).toFixed(1).padStart(9)}%   target >= 80%: ${ratio >= 0.8 ? "met" : "NOT met"}; server CPU per create ${((cpu.https / cpu.http) * 100).toFixed(0)}% of HTTP's`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    process.stdout.write(
      `${JSON.stringify({
        bench: "tls",
        creates,
        concurrency: CONCURRENCY,
        httpCreatesPerSec: Math.round(http_),
        httpsCreatesPerSec: Math.round(https_),
        httpsToHttpRatio: Math.round(ratio * 1000) / 1000,
        targetRatio: 0.8,
        met: ratio >= 0.8,
        serverCpuMsPer1000: { http: Math.round(cpu.http), https: Math.round(cpu.https) },
        newConnectionMs: { http: Math.round(conn.http * 100) / 100, https: Math.round(conn.https * 100) / 100 },
        rounds: { http: rates.http.map(Math.round), https: rates.https.map(Math.round) },
      })}\n`,
    );
  } finally {
    for (const s of Object.values(servers)) {
      s.child.kill("SIGTERM");
      await new Promise((r) => s.child.once("exit", r));
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/tls failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
