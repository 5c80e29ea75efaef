/**
 * API fuzz benchmark: N seeded hostile requests (bench/fuzz-api.ts) against a real API server in
 * its own process, from every role. Prints a table (answers by status code, invariant
 * violations, server RSS before/after/peak) and one JSON line; exits 1 on any violation.
 * Usage: npm run build && node dist/bench/fuzz.js [--requests 50000] [--seed 1]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { startApiServer } from "../apiserver/index.js";
import { fuzz, serverRssBytes, storedProblems, type FuzzReport, type FuzzTarget } from "./fuzz-api.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a positive whole number`);
  return v;
}

/** Child mode: a server with one token per role, announced as one JSON line. */
async function serve(dir: string): Promise<void> {
  const s = await startApiServer({ dataDir: dir, listen: "127.0.0.1:0", tls: false });
  const t = s.app.kctl.tokens;
  const admin = { url: s.url, token: s.adminToken };
  await fetch(`${s.url}/api/v1/namespaces`, { method: "POST", headers: { authorization: `Bearer ${s.adminToken}` }, body: JSON.stringify({ metadata: { name: "fuzz" } }) });
  const tokens = { admin: s.adminToken, edit: t.createToken("edit", "fuzz-edit"), view: t.createToken("view", "fuzz-view"), "edit@fuzz": t.createToken("edit", "fuzz-edit-ns", { namespace: "fuzz" }), node: (await s.nodeCredential("n1")).token };
  process.stdout.write(`${JSON.stringify({ ...admin, tokens })}\n`);
  process.on("SIGTERM", () => void s.close().then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const requests = flag("requests", 50_000);
  const seed = flag("seed", 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-fuzz-"));
  const child = spawn(process.execPath, [process.argv[1]!, "--serve", dir], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const info = JSON.parse(line) as { url: string; token: string; tokens: Record<string, string> };
    const target: FuzzTarget = { url: info.url, tokens: info.tokens };
    const rssBefore = await serverRssBytes(target, info.token);
    let peak = rssBefore;
    const started = Date.now();
    const total: FuzzReport = { requests: 0, byCode: {}, violations: [], violationCount: 0 };
    // In slices, reading the server's RSS between them for the peak.
    for (let done = 0, slice = 0; done < requests; slice++) {
      const n = Math.min(5_000, requests - done);
      const r = await fuzz(target, n, seed * 1_000 + slice);
      total.requests += r.requests;
      total.violationCount += r.violationCount;
      total.violations.push(...r.violations.slice(0, 20 - total.violations.length));
      for (const [c, k] of Object.entries(r.byCode)) total.byCode[c] = (total.byCode[c] ?? 0) + k;
      peak = Math.max(peak, await serverRssBytes(target, info.token));
      done += n;
    }
    const seconds = (Date.now() - started) / 1000;
    const alive = (await fetch(`${info.url}/healthz`)).status === 200;
    const stored = await storedProblems(target, info.token);
    const rssAfter = await serverRssBytes(target, info.token);
    const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;
    const rows: [string, string][] = [
      ["requests", `${total.requests} in ${seconds.toFixed(1)} s`],
      ...Object.entries(total.byCode).sort().map(([c, k]): [string, string] => [`  HTTP ${c === "0" ? "(none: server waits for promised bytes)" : c}`, String(k)]),
      ["invariant violations", String(total.violationCount)],
      ["malformed objects stored", String(stored.length)],
      ["server alive afterwards", alive ? "yes" : "NO"],
      ["server RSS before / peak / after", `${mb(rssBefore)} / ${mb(peak)} / ${mb(rssAfter)}`],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(48)} ${v}\n`);
    for (const v of [...total.violations, ...stored]) process.stdout.write(`  ! ${v}\n`);
    process.stdout.write(`${JSON.stringify({ bench: "fuzz", seed, requests: total.requests, seconds, byCode: total.byCode, violations: total.violationCount, storedProblems: stored.length, alive, rssBeforeBytes: rssBefore, rssPeakBytes: peak, rssAfterBytes: rssAfter })}\n`);
    process.exitCode = total.violationCount + stored.length === 0 && alive ? 0 : 1;
  } finally {
    child.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--serve") void serve(process.argv[3]!);
else await main();
