/**
 * Watch memory and fan-out benchmark, against a real API server in its own process:
 *   1. server RSS with 20 clients that stop reading while their watch sends the initial list of a
 *      ~10 MB namespace (each client shrinks its receive buffer, as a slow or hostile peer would),
 *      before the write deadline cuts them off and after;
 *   2. fan-out cost: creates/s (32 concurrent) and create p99 with 200 live watchers against none.
 * Prints a table and one JSON line. The paused clients are tiny python3 processes (Node cannot
 * set SO_RCVBUF). Usage: npm run build && node dist/bench/watch-memory.js [--runs 3]
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startApiServer } from "../apiserver/index.js";
import { pausedWatchClient } from "./paused-watch-client.js";
import { median } from "./stats.js";

const BIG_OBJECTS = 500;
const VALUE = "x".repeat(20_000);
const PAUSED = 20;
const WATCHERS = 200;
const CREATES = 2_000;

interface Server {
  url: string;
  token: string;
  child: ChildProcess;
}

async function serve(dir: string): Promise<void> {
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false });
  process.stdout.write(`${JSON.stringify({ url: s.url, token: s.adminToken })}\n`);
  process.on("SIGTERM", () => void s.close().then(() => process.exit(0)));
}

async function startServer(dir: string): Promise<Server> {
  const child = spawn(process.execPath, [process.argv[1]!, "--serve", dir], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { url: string; token: string }), child };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function request(s: Server, method: string, p: string, body?: unknown): Promise<{ code: number; text: string }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: u.hostname, port: u.port, method, path: p, headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json", ...(data ? { "content-length": data.length } : {}) } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

async function metric(s: Server, name: string): Promise<number> {
  const text = (await request(s, "GET", "/metrics")).text;
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

async function createMany(s: Server, ns: string, n: number, concurrency: number): Promise<{ perSec: number; p99Ms: number }> {
  const lat: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        const r = await request(s, "POST", `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: `c-${i}` }, data: { a: "b" } });
        if (r.code !== 201) throw new Error(`create: ${r.code} ${r.text}`);
        lat.push(performance.now() - t);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { perSec: n / ((performance.now() - started) / 1000), p99Ms: lat[Math.floor(lat.length * 0.99)]! };
}

async function waitFor(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function once(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-watchmem-"));
  const s = await startServer(dir);
  const paused: ChildProcess[] = [];
  const streams: http.ClientRequest[] = [];
  try {
    for (const ns of ["big", "fan0", "fan1"]) await request(s, "POST", "/api/v1/namespaces", { metadata: { name: ns } });
    for (let i = 0; i < BIG_OBJECTS; i++) await request(s, "POST", "/api/v1/namespaces/big/configmaps", { metadata: { name: `cm-${i}` }, data: { v: VALUE } });
    const rssBase = await metric(s, "process_resident_memory_bytes");
    for (let i = 0; i < PAUSED; i++) paused.push(pausedWatchClient(s.url, s.token, "/api/v1/namespaces/big/configmaps?watch=1"));
    await new Promise((r) => setTimeout(r, 5_000));
    const rssPaused = await metric(s, "process_resident_memory_bytes");
    const cutAll = await waitFor(async () => (await metric(s, "apiserver_watch_cutoffs_total")) >= PAUSED, 45_000);
    for (const p of paused) p.kill("SIGKILL");
    const rssAfter = await metric(s, "process_resident_memory_bytes");

    const bare = await createMany(s, "fan0", CREATES, 32);
    const u = new URL(s.url);
    let delivered = 0;
    for (let i = 0; i < WATCHERS; i++) {
      const req = http.get({ host: u.hostname, port: u.port, path: "/api/v1/namespaces/fan1/configmaps?watch=1", headers: { authorization: `Bearer ${s.token}` } }, (res) => res.on("data", (d: Buffer) => (delivered += d.length)));
      req.on("error", () => undefined);
      streams.push(req);
    }
    await waitFor(async () => (await metric(s, "apiserver_open_watches")) >= WATCHERS, 10_000);
    const fanned = await createMany(s, "fan1", CREATES, 32);
    return {
      rssBaseMB: rssBase / 1048576,
      rssPausedMB: rssPaused / 1048576,
      rssAfterMB: rssAfter / 1048576,
      cutOffAll: cutAll ? 1 : 0,
      createsPerSecNoWatchers: bare.perSec,
      createsPerSec200Watchers: fanned.perSec,
      p99MsNoWatchers: bare.p99Ms,
      p99Ms200Watchers: fanned.p99Ms,
      deliveredMB: delivered / 1048576,
    };
  } finally {
    for (const p of paused) p.kill("SIGKILL");
    for (const r of streams) r.destroy();
    s.child.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--runs");
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const all: Record<string, number>[] = [];
  for (let r = 0; r < runs; r++) all.push(await once());
  const med = (k: string): number => median(all.map((x) => x[k]!));
  const rows: [string, string][] = [
    [`server RSS, ~10 MB namespace, no watchers`, `${med("rssBaseMB").toFixed(0)} MB`],
    [`... with ${PAUSED} clients paused in the initial list`, `${med("rssPausedMB").toFixed(0)} MB`],
    [`... after they are cut off (all cut off: ${all.every((x) => x.cutOffAll === 1) ? "yes" : "NO"})`, `${med("rssAfterMB").toFixed(0)} MB`],
    [`creates/s (32 concurrent), no watchers`, med("createsPerSecNoWatchers").toFixed(0)],
    [`creates/s (32 concurrent), ${WATCHERS} watchers`, `${med("createsPerSec200Watchers").toFixed(0)} (${((100 * med("createsPerSec200Watchers")) / med("createsPerSecNoWatchers")).toFixed(0)} %)`],
    [`create p99, no watchers / ${WATCHERS} watchers`, `${med("p99MsNoWatchers").toFixed(1)} / ${med("p99Ms200Watchers").toFixed(1)} ms`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(60)} ${v}\n`);
  process.stdout.write(`${JSON.stringify({ bench: "watch-memory", runs, median: Object.fromEntries(Object.keys(all[0]!).map((k) => [k, med(k)])), all })}\n`);
  agent.destroy();
}

if (process.argv[2] === "--serve") void serve(process.argv[3]!);
else await main();
