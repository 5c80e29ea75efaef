/**
 * Job benchmark on the real engine: 20 short pods (busybox `true`: exit 0 right after start) as
 * one Job with completions 20 and parallelism 10, through the whole control plane (API server,
 * Job controller, scheduler, kubelet), against 20 `docker run --rm` of the same image, 10 at a
 * time, on the same engine. Time from create (or the first `docker run`) until the Job is
 * Complete (or the last `docker run` returned). Target: kctl within 1.5x of docker.
 *
 * Prints a table (each run and the medians) and one JSON line.
 * Usage: npm run build && node dist/bench/job.js [--runs 3] [--pods 20] [--parallelism 10]
 */
import { performance } from "node:perf_hooks";
import type { Job } from "../lib/types.js";
import { docker, startBenchCluster } from "./in-process-cluster.js";
import { median } from "./stats.js";

const IMAGE = "kctl-test/busybox:v1";

function parseArgs(argv: string[]): { runs: number; pods: number; parallelism: number } {
  const a = { runs: 3, pods: 20, parallelism: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "") as keyof typeof a;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v <= 0) throw new Error(`usage: job.js [--runs N] [--pods N] [--parallelism N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

/** n `docker run --rm IMAGE true`, `parallelism` at a time; ms until the last one returned. */
async function dockerRuns(n: number, parallelism: number, label: string): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await docker("run", "--rm", "--label", label, IMAGE, "true");
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, n) }, worker));
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const c = await startBenchCluster("job");
  const rows: { docker: number; kctl: number }[] = [];
  try {
    for (let r = 0; r < args.runs; r++) {
      const d = await dockerRuns(args.pods, args.parallelism, `kctl-bench=${c.run}`);
      const name = `bench-${r}`;
      const job: Job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name, namespace: "default" },
        spec: {
          completions: args.pods,
          parallelism: args.parallelism,
          template: { spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: IMAGE, imagePullPolicy: "Never", command: ["true"] }] } },
        },
      };
      const t0 = performance.now();
      await c.client.create(job, "default");
      for (;;) {
        const j = await c.client.get<Job>("Job", name, "default");
        if (j.status?.conditions?.some((x) => x.type === "Complete" && x.status === "True")) break;
        if (j.status?.conditions?.some((x) => x.type === "Failed" && x.status === "True")) throw new Error(`job ${name} failed`);
        await new Promise((res) => setTimeout(res, 20));
      }
      const k = performance.now() - t0;
      rows.push({ docker: d, kctl: k });
      await c.client.delete("Job", name, { namespace: "default", propagationPolicy: "Background" });
    }
  } finally {
    await c.stop();
  }
  const out = process.stdout;
  out.write(`${"run".padEnd(8)}${"docker run --rm".padStart(18)}${"kctl Job".padStart(12)}${"ratio".padStart(8)}\n`);
  rows.forEach((r, i) => out.write(`${String(i + 1).padEnd(8)}${`${(r.docker / 1000).toFixed(2)} s`.padStart(18)}${`${(r.kctl / 1000).toFixed(2)} s`.padStart(12)}${(r.kctl / r.docker).toFixed(2).padStart(8)}\n`));
  const md = median(rows.map((r) => r.docker));
  const mk = median(rows.map((r) => r.kctl));
  out.write(`${"median".padEnd(8)}${`${(md / 1000).toFixed(2)} s`.padStart(18)}${`${(mk / 1000).toFixed(2)} s`.padStart(12)}${(mk / md).toFixed(2).padStart(8)}\n`);
  out.write(`${JSON.stringify({ bench: "job", pods: args.pods, parallelism: args.parallelism, dockerMs: Math.round(md), kctlMs: Math.round(mk), ratio: Number((mk / md).toFixed(2)) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
