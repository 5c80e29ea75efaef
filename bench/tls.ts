/**
 * TLS cost benchmark: API creates/s over HTTPS (the default: cluster CA, EC P-256 serving
 * certificate) against plain HTTP, in one run. Each server runs as its own child process; 32
 * concurrent keep-alive clients POST pre-serialized ConfigMaps; rounds alternate HTTP/HTTPS and
 * the median of 7 is reported (the box is shared and noisy: single rounds swing by 2x). Also: the cost of a new TLS connection (handshake + one GET, no
 * keep-alive).
 *
 * Methodology (the same for HTTP and HTTPS: payloads, concurrency, rounds, generator, cores):
 * - The server child is pinned to one CPU and the load generator to another (`taskset`, when it
 *   is installed and two CPUs are allowed), so the generator never takes the server's core.
 * - The default generator is lean (raw keep-alive HTTP/1.1 over net/tls sockets, see
 *   LeanConnection): like wrk, it costs far less CPU per request than the server, so creates/s is
 *   the server's capacity. node:https's client spends ~50 us of its own TLS CPU per request,
 *   which on a shared 2-core box showed up as the server's cost; `--client node-http --no-pin`
 *   measures the old way (ratio ~0.65-0.7 there, see README "Performance").
 * - The table also prints server and generator CPU per create, so a generator-bound run shows.
 * Target: HTTPS >= 80% of HTTP. Prints a table and one JSON line.
 * Usage: npm run build && node dist/bench/tls.js [--creates 8000] [--rounds 7]
 *          [--client lean|node-http] [--no-pin]
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../apiserver/index.js";
import { median } from "./stats.js";

const CONCURRENCY = 32;
const ROUNDS = 7;
const HANDSHAKES = 200;
const CREATE_PATH = "/api/v1/namespaces/default/configmaps";

/** The load generator: `lean` (default) or node:http(s) with an Agent (the reference). */
type Client = "lean" | "node-http";

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

/** CPUs this process may run on (`taskset -cp`), or [] when taskset is not available. */
function allowedCpus(): number[] {
  const r = spawnSync("taskset", ["-cp", String(process.pid)], { encoding: "utf8" });
  const list = r.status === 0 ? /list:\s*(\S+)/.exec(r.stdout)?.[1] : undefined;
  if (!list) return [];
  return list.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, k) => a! + k);
  });
}

/**
 * Pin the generator (this process) to one CPU and return the other for the server children, so
 * the two never share a core; undefined (no pinning) with fewer than 2 CPUs or no taskset.
 */
function pinGenerator(): { generator: number; server: number } | undefined {
  const cpus = allowedCpus();
  if (cpus.length < 2) return undefined;
  const pin = { generator: cpus[0]!, server: cpus[1]! };
  return spawnSync("taskset", ["-cp", String(pin.generator), String(process.pid)]).status === 0 ? pin : undefined;
}

async function startChild(mode: "http" | "https", serverCpu: number | undefined): Promise<{ child: ChildProcess; ep: Endpoint; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kctl-bench-tls-${mode}-`));
  const args = [fileURLToPath(import.meta.url), "--serve", dir, mode];
  // taskset execs node, so child.pid is the server's pid (its CPU time is read from /proc).
  const child = serverCpu === undefined
    ? spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] })
    : spawn("taskset", ["-c", String(serverCpu), process.execPath, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
  return { child, ep: JSON.parse(line) as Endpoint, dir };
}

/**
 * The reference load generator (`--client node-http`): node:http(s) with a keep-alive Agent. A
 * string body goes out in the same write as the headers (Node concatenates them), so each request
 * is one TLS record, as Go's client-go sends it. Its own TLS costs ~50 us of CPU per request,
 * more than the server's, so on this 2-core box it measures the client as much as the server.
 */
function post(ep: Endpoint, agent: http.Agent, body: string): Promise<number> {
  const transport = ep.url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(`${ep.url}${CREATE_PATH}`, {
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

/**
 * One keep-alive HTTP/1.1 connection of the lean load generator (the default): the request is
 * pre-serialized bytes written in one call (one TLS record, as above), the response is framed
 * by its Content-Length and only its status is read. Like wrk, it spends little CPU per request,
 * so the server, not the generator, is what runs out of CPU, over HTTP and HTTPS alike.
 */
class LeanConnection {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (e: Error) => void } | undefined;
  private broken: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (e: Error) => this.fail(e));
    socket.on("close", () => this.fail(new Error("the server closed a keep-alive connection")));
  }

  /** Connect (and finish the TLS handshake, verifying the server against the cluster CA). */
  static open(ep: Endpoint): Promise<LeanConnection> {
    const u = new URL(ep.url);
    const port = Number(u.port);
    return new Promise((resolve, reject) => {
      const socket = u.protocol === "https:"
        ? tls.connect({ host: u.hostname, port, ca: ep.ca }, () => resolve(new LeanConnection(socket)))
        : net.connect({ host: u.hostname, port }, () => resolve(new LeanConnection(socket)));
      socket.once("error", reject);
    });
  }

  /** Send one pre-serialized request; resolves with the response status. */
  request(bytes: string): Promise<number> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.socket.removeAllListeners("close");
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const head = this.buf.indexOf("\r\n\r\n");
    if (head < 0) return;
    const headers = this.buf.toString("latin1", 0, head);
    const len = /\r\ncontent-length: *(\d+)/i.exec(headers);
    if (!len) return this.fail(new Error(`response without content-length: ${headers.split("\r\n")[0]}`));
    const end = head + 4 + Number(len[1]);
    if (this.buf.length < end) return;
    if (this.buf.length > end) return this.fail(new Error("unexpected bytes after a response"));
    this.buf = Buffer.alloc(0);
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve(Number(headers.slice(9, 12)));
  }

  private fail(e: Error): void {
    this.broken ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(e);
  }
}

/** The ConfigMaps one round creates: same names, sizes and order for HTTP and HTTPS. */
function bodies(n: number, tag: string): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${tag}-${i}`, labels: { bench: "tls" } }, data: { key: "x".repeat(200) } }),
  );
}

/** One round: creates/s, and CPU us per create of the server and of the generator. */
interface RoundResult {
  rate: number;
  serverUs: number;
  generatorUs: number;
}

/**
 * Creates/s with CONCURRENCY keep-alive clients; throws if any create is not a 201. The
 * connections (and TLS handshakes) are opened before the clock and the CPU counters start, for
 * both generators: this is the keep-alive rate; a new connection's cost is the table's last
 * column.
 */
async function createRound(ep: Endpoint, serverPid: number | undefined, n: number, tag: string, client: Client): Promise<RoundResult> {
  const payloads = bodies(n, tag);
  let next = 0;
  let failed = 0;
  let send: () => Promise<void>;
  let done: () => void;
  if (client === "node-http") {
    const agent = ep.url.startsWith("https:")
      ? new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: ep.ca })
      : new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    // CONCURRENCY parallel GETs leave CONCURRENCY open sockets in the Agent's pool.
    await Promise.all(Array.from({ length: CONCURRENCY }, () => get(ep, "/healthz", { agent })));
    send = async () => {
      while (next < n) if ((await post(ep, agent, payloads[next++]!)) !== 201) failed++;
    };
    done = () => agent.destroy();
  } else {
    const u = new URL(ep.url);
    const requests = payloads.map(
      (b) => `POST ${CREATE_PATH} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${ep.token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`,
    );
    const conns = await Promise.all(Array.from({ length: CONCURRENCY }, () => LeanConnection.open(ep)));
    let i = 0;
    send = async () => {
      const c = conns[i++]!;
      while (next < n) if ((await c.request(requests[next++]!)) !== 201) failed++;
    };
    done = () => conns.forEach((c) => c.close());
  }
  try {
    const c0 = cpuMs(serverPid);
    const g0 = cpuMs(process.pid);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, send));
    const secs = (performance.now() - t0) / 1000;
    const perCreateUs = (ms: number) => (ms / n) * 1000;
    const result = { rate: n / secs, serverUs: perCreateUs(cpuMs(serverPid) - c0), generatorUs: perCreateUs(cpuMs(process.pid) - g0) };
    if (failed) throw new Error(`${failed} creates failed`);
    return result;
  } finally {
    done();
  }
}

/** GET a path (no token: the open health paths), resolving when the body has been read. */
function get(ep: Endpoint, p: string, opts: https.RequestOptions): Promise<void> {
  const transport = ep.url.startsWith("https:") ? https : http;
  return new Promise<void>((resolve, reject) => {
    transport
      .get(`${ep.url}${p}`, opts, (res) => {
        res.resume();
        res.on("end", () => resolve());
      })
      .on("error", reject);
  });
}

/** Median ms of a new connection + one GET (TLS handshake included for HTTPS). */
async function newConnectionMs(ep: Endpoint): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const t0 = performance.now();
    await get(ep, "/healthz", { agent: false, ...(ep.ca ? { ca: ep.ca } : {}) });
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

/** The value after `--name`, if given. */
function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--serve") return serve(argv[1]!, argv[2]!);
  const creates = Number(flag(argv, "--creates") ?? 8000);
  const rounds = Number(flag(argv, "--rounds") ?? ROUNDS);
  const client = (flag(argv, "--client") ?? "lean") as Client;
  if (client !== "lean" && client !== "node-http") throw new Error(`--client: lean or node-http, not ${String(client)}`);
  const pin = argv.includes("--no-pin") ? undefined : pinGenerator();
  const servers = { http: await startChild("http", pin?.server), https: await startChild("https", pin?.server) };
  // If this process dies before `finally` (e.g. EPIPE when piped into `head`), don't leave the
  // servers running.
  process.once("exit", () => Object.values(servers).forEach((s) => s.child.kill("SIGKILL")));
  try {
    // Warm-up: JIT, SQLite pages. With 2,000 creates the first measured round was still ~40%
    // slower than the rest, for both protocols.
    for (const m of ["http", "https"] as const) await createRound(servers[m].ep, servers[m].child.pid, 6000, `warm-${m}`, client);
    // Per round: creates/s, and CPU per create of the server and of the generator: what TLS costs
    // each side, and whether the generator (rather than the server) was the limit.
    const results: Record<"http" | "https", RoundResult[]> = { http: [], https: [] };
    for (let r = 0; r < rounds; r++) {
      for (const m of (r % 2 === 0 ? ["http", "https"] : ["https", "http"]) as ("http" | "https")[]) {
        results[m].push(await createRound(servers[m].ep, servers[m].child.pid, creates, `r${r}-${m}`, client));
      }
    }
    const rates = { http: results.http.map((x) => x.rate), https: results.https.map((x) => x.rate) };
    const conn = { http: await newConnectionMs(servers.http.ep), https: await newConnectionMs(servers.https.ep) };
    const http_ = median(rates.http);
    const https_ = median(rates.https);
    const ratio = https_ / http_;
    // Secondary: HTTPS/HTTP of the two back-to-back halves of each round, less exposed to a
    // neighbour's load that comes and goes between rounds.
    const paired = median(rates.https.map((x, i) => x / rates.http[i]!));
    const cpu = { http: median(results.http.map((x) => x.serverUs)), https: median(results.https.map((x) => x.serverUs)) };
    const gen = { http: median(results.http.map((x) => x.generatorUs)), https: median(results.https.map((x) => x.generatorUs)) };
    const fmt = (n: number) => n.toFixed(0).padStart(10);
    const setup = `generator: ${client === "lean" ? "lean keep-alive sockets" : "node:http(s) Agent"}; ${pin ? `server pinned to CPU ${pin.server}, generator to CPU ${pin.generator}` : "not pinned (server and generator share the CPUs)"}`;
    const lines = [
      `TLS benchmark: ${creates} ConfigMap creates x ${rounds} rounds, ${CONCURRENCY} keep-alive clients, median of ${rounds} (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)})`,
      `  ${setup}`,
      `                    creates/s   rounds                              CPU us/create: server  generator   new connection + GET (ms, median of ${HANDSHAKES})`,
      `  HTTP            ${fmt(http_)}   ${rates.http.map((x) => x.toFixed(0)).join(" / ").padEnd(34)}  ${cpu.http.toFixed(0).padStart(8)}  ${gen.http.toFixed(0).padStart(9)}   ${conn.http.toFixed(2)}`,
      `  HTTPS (P-256)   ${fmt(https_)}   ${rates.https.map((x) => x.toFixed(0)).join(" / ").padEnd(34)}  ${cpu.https.toFixed(0).padStart(8)}  ${gen.https.toFixed(0).padStart(9)}   ${conn.https.toFixed(2)}`,
      `  HTTPS / HTTP    ${(ratio * 100).toFixed(1).padStart(9)}%   target >= 80%: ${ratio >= 0.8 ? "met" : "NOT met"}; server CPU per create ${((cpu.https / cpu.http) * 100).toFixed(0)}% of HTTP's; paired per round ${(paired * 100).toFixed(1)}%`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    process.stdout.write(
      `${JSON.stringify({
        bench: "tls",
        creates,
        concurrency: CONCURRENCY,
        client,
        pinned: pin ?? null,
        httpCreatesPerSec: Math.round(http_),
        httpsCreatesPerSec: Math.round(https_),
        httpsToHttpRatio: Math.round(ratio * 1000) / 1000,
        pairedRatio: Math.round(paired * 1000) / 1000,
        targetRatio: 0.8,
        met: ratio >= 0.8,
        serverCpuUsPerCreate: { http: Math.round(cpu.http), https: Math.round(cpu.https) },
        generatorCpuUsPerCreate: { http: Math.round(gen.http), https: Math.round(gen.https) },
        newConnectionMs: { http: Math.round(conn.http * 100) / 100, https: Math.round(conn.https * 100) / 100 },
        rounds: { http: rates.http.map(Math.round), https: rates.https.map(Math.round) },
        loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
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
