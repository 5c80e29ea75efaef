/**
 * `kctl server` start-up, as a user sees it: from spawning the process to the API answering
 * (/readyz) and to its node being Ready (the kubelet registered and heart-beat), for a first
 * start (a new data dir: CA, certificates, tokens) and a restart (the same data dir). The bundled
 * CLI (bin/kctl → dist/bundle/, what users run) and the plain tsc output (dist/cli/main.js) are
 * interleaved run by run, so machine noise hits both alike. Target: Ready node ≤ 1.0 s.
 *
 * `--against DIR` replaces the plain tsc output with another build's bundled CLI (DIR/bin/kctl, e.g.
 * a worktree of main after `npm run build`): an interleaved A/B of a change.
 *
 * Prints a table (medians) and one JSON line.
 * Usage: npm run build && node dist/bench/server-start.js [--runs 5] [--against DIR]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeNodeNetwork, timeStart, type Entry, type Timing } from "./server-start-timing.js";
import { median } from "./stats.js";

function parseRuns(argv: string[]): number {
  const i = argv.indexOf("--runs");
  const n = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!Number.isInteger(n) || n <= 0) throw new Error("usage: server-start.js [--runs N]");
  return n;
}

/** `--against DIR`: DIR/bin/kctl, or undefined. */
function parseAgainst(argv: string[]): string | undefined {
  const i = argv.indexOf("--against");
  if (i < 0) return undefined;
  const script = path.join(path.resolve(argv[i + 1] ?? ""), "bin/kctl");
  if (!fs.existsSync(script)) throw new Error(`--against: no ${script}`);
  return script;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const against = parseAgainst(process.argv.slice(2));
  const loadStart = os.loadavg()[0]!;
  const results: Record<string, Timing[]> = {};
  const add = (k: string, t: Timing) => (results[k] ??= []).push(t);
  for (let r = 0; r < runs; r++) {
    // Which goes first alternates, so a trend in the machine's load favours neither.
    const order: (Entry | "against")[] = against ? (r % 2 ? ["against", "bundle"] : ["bundle", "against"]) : ["bundle", "plain"];
    for (const entry of order) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-start-"));
      const node = `start-${entry}-${r}`;
      const time = (): Promise<Timing> => (entry === "against" ? timeStart("bundle", dir, node, against) : timeStart(entry, dir, node));
      try {
        add(`${entry} first start`, await time());
        add(`${entry} restart`, await time());
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await removeNodeNetwork(node);
      }
    }
  }
  const cpus = (ts: Timing[]): number[] => ts.flatMap((t) => (t.cpu !== undefined ? [t.cpu] : []));
  const rows = Object.entries(results).map(([k, ts]) => ({ case: k, api: median(ts.map((t) => t.api)), ready: median(ts.map((t) => t.ready)), cpu: cpus(ts).length ? median(cpus(ts)) : undefined }));
  const loadBefore = loadStart.toFixed(1);
  console.log(`kctl server start-up, medians of ${runs} runs (load average ${loadBefore} before, ${os.loadavg()[0]!.toFixed(1)} after, ${os.cpus().length} cores)`);
  console.log("case                  API answers   node Ready   server CPU by Ready");
  for (const r of rows) console.log(`${r.case.padEnd(22)}${`${Math.round(r.api)} ms`.padStart(11)}${`${Math.round(r.ready)} ms`.padStart(13)}${(r.cpu !== undefined ? `${Math.round(r.cpu)} ms` : "-").padStart(22)}`);
  console.log(JSON.stringify({ bench: "server-start", runs, load: [Number(loadBefore), Number(os.loadavg()[0]!.toFixed(1))], results: Object.fromEntries(rows.map((r) => [r.case, { apiMs: Math.round(r.api), readyMs: Math.round(r.ready), ...(r.cpu !== undefined ? { cpuMs: Math.round(r.cpu) } : {}) }])) }));
}

await main();
