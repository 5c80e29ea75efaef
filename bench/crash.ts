/**
 * Crash benchmark: `kill -9` of a real `kctl server --no-kubelet` during bursts of concurrent
 * writers and readers, restart on the same data dir, check (bench/crash-cycle.ts). Prints a table
 * and one JSON line. Usage: npm run build && node dist/bench/crash.js [--cycles 35] [--seed 1]
 */
import { seededRandom } from "../lib/seeded-random.js";
import { runCrashCycles, type CrashReport } from "./crash-cycle.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} takes a positive whole number`);
  return v;
}

const cycles = flag("cycles", 35);
const seed = flag("seed", 1);
const started = Date.now();
const r: CrashReport = await runCrashCycles({ cycles, writers: 8, readers: 2, minBurstMs: 300, maxBurstMs: 2_000, random: seededRandom(seed) });
const rows: [string, number, string][] = [
  ["crash cycles (kill -9 mid-burst)", r.cycles, ""],
  ["creates acknowledged", r.acknowledged, ""],
  ["acknowledged and lost", r.lost, "must be 0"],
  ["shown to a reader, then lost or changed", r.visibleThenLost, "must be 0"],
  ["list revision shown above the restarted one", r.revisionAhead, "must be 0"],
  ["revisions reused after restart", r.reused, "must be 0"],
  ["writes a resumed watch missed", r.watchMissed, "must be 0"],
  ["committed but unacknowledged (allowed)", r.unacknowledgedSurvivors, ""],
];
for (const [what, n, note] of rows) process.stdout.write(`${what.padEnd(46)} ${String(n).padStart(8)}  ${note}\n`);
process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
process.stdout.write(`${JSON.stringify({ bench: "crash", seed, results: r })}\n`);
process.exit(r.lost + r.visibleThenLost + r.revisionAhead + r.reused + r.watchMissed === 0 ? 0 : 1);
