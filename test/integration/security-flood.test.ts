/**
 * A flood of requests with bad tokens (8 keep-alive loops from a separate process): every one is
 * a 401 and nothing is logged with a token in it. How much the flood slows authorised requests is
 * measured by bench/auth-flood.ts (interleaved phases, medians), not asserted here.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/logger.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../helpers/flood-worker.mjs");
const PREFIX = `flood-badtoken-${process.pid}-`;
let srv: TestServer;
let logDir: string;
let worker: ChildProcess;


beforeAll(async () => {
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-flood-"));
  srv = await startTestServer({ tls: true, logger: createLogger({ level: "debug", destination: path.join(logDir, "server.log") }) });
  worker = fork(WORKER, [JSON.stringify({ url: srv.url, ca: srv.caPem, loops: 8, intervalMs: 20, prefix: PREFIX })], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  await new Promise<void>((resolve) => worker.once("message", () => resolve()));
});
afterAll(async () => {
  if (worker.exitCode === null) worker.kill();
  await srv.close();
  fs.rmSync(logDir, { recursive: true, force: true });
});

describe("bad-token flood", () => {
  it("every flood request is a 401 and no token is logged", async () => {
    worker.send("on");
    // Flood until the server has answered at least 1,500 of them (the latency comparison with and
    // without a flood is a benchmark: bench/auth-flood.ts).
    await eventually("1,500 bad-token requests answered", async () => (await unauthorizedCount()) >= 1_500 || undefined, { timeoutMs: 30_000, intervalMs: 100 });
    const result = await new Promise<{ sent: number; statuses: Record<string, number> }>((resolve) => {
      worker.once("message", (m) => resolve(m as { sent: number; statuses: Record<string, number> }));
      worker.send("stop");
    });
    expect(result.sent).toBeGreaterThanOrEqual(1500);
    expect(result.statuses).toEqual({ 401: result.sent });

    // pino writes through an async destination: wait (bounded) for the flood to reach the file.
    const logFile = path.join(logDir, "server.log");
    const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    const log = await eventually("the flood in the server log", () => (readLog().includes('"code":401') ? readLog() : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    expect(log).toContain('"code":401'); // the flood was logged (debug request logs)...
    expect(log).not.toContain(PREFIX); // ...without a token in it
    expect(log).not.toContain(srv.token);
    expect(log.toLowerCase()).not.toContain("bearer");
  }, 60_000);
});

/** 401 answers the server counted (its /metrics), whatever the path. */
function unauthorizedCount(): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(`${srv.url}/metrics`, { ca: srv.caPem, headers: { authorization: `Bearer ${srv.token}` } }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => {
          let n = 0;
          for (const m of text.matchAll(/^apiserver_request_total\{[^}]*code="401"\} (\d+)$/gm)) n += Number(m[1]);
          resolve(n);
        });
      })
      .on("error", reject);
  });
}
