/**
 * Bad-token flood benchmark: authorised GET latency with and without a flood of requests carrying
 * forged tokens (8 keep-alive loops from a separate process, test/helpers/flood-worker.mjs), in
 * interleaved phases so a noisy machine affects both alike. Prints a table and one JSON line.
 * Usage: npm run build && node dist/bench/auth-flood.js [--rounds 10]
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../apiserver/index.js";
import { median } from "./stats.js";

const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/helpers/flood-worker.mjs");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const i = process.argv.indexOf("--rounds");
  const rounds = i >= 0 ? Number(process.argv[i + 1]) : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-flood-bench-"));
  const srv = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0" });
  const worker = fork(WORKER, [JSON.stringify({ url: srv.url, ca: srv.caPem, loops: 8, intervalMs: 20, prefix: "bench-badtoken-" })], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  await new Promise<void>((resolve) => worker.once("message", () => resolve()));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: srv.caPem });
  const authed = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      https
        .get(`${srv.url}/api/v1/namespaces/default/pods`, { agent, headers: { authorization: `Bearer ${srv.adminToken}` } }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
        })
        .on("error", reject);
    });
  /** Paced authorised GETs (one per 4 ms) for `ms`, after a short settle. */
  const sample = async (ms: number): Promise<number[]> => {
    await sleep(40);
    const out: number[] = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      out.push(await authed());
      await sleep(4);
    }
    return out;
  };
  try {
    for (let k = 0; k < 20; k++) await authed(); // warm up TLS session and JIT
    const quiet: number[] = [];
    const flooded: number[] = [];
    for (let round = 0; round < rounds; round++) {
      quiet.push(...(await sample(450)));
      worker.send("on");
      flooded.push(...(await sample(450)));
      worker.send("off");
    }
    const result = await new Promise<{ sent: number; statuses: Record<string, number> }>((resolve) => {
      worker.once("message", (m) => resolve(m as { sent: number; statuses: Record<string, number> }));
      worker.send("stop");
    });
    const q = median(quiet);
    const f = median(flooded);
    const rows: [string, string][] = [
      ["bad-token requests (answers)", `${result.sent} ${JSON.stringify(result.statuses)}`],
      ["authorised GET median, quiet", `${q.toFixed(3)} ms (${quiet.length} samples)`],
      ["authorised GET median, flooded", `${f.toFixed(3)} ms (${flooded.length} samples)`],
      ["flooded / quiet", `${((100 * f) / q).toFixed(0)} % (target <= 120 %)`],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
    process.stdout.write(`${JSON.stringify({ bench: "auth-flood", rounds, badTokenRequests: result.sent, statuses: result.statuses, quietMedianMs: q, floodedMedianMs: f, ratio: f / q })}\n`);
  } finally {
    agent.destroy();
    if (worker.exitCode === null) worker.kill();
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
