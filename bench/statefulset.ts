/**
 * StatefulSet start benchmark on the real engine (API server, controllers, scheduler and one
 * kubelet in this process; bench/in-process-cluster.ts), medians over interleaved rounds:
 *
 * - OrderedReady: a 5-replica StatefulSet, each pod with its own local-path claim (provisioned on
 *   first use), from create until all 5 are Ready; against 5 sequential `docker run -d` of the
 *   same image (each waits for the previous: the physical floor of an ordered start). Target <= 1.5x.
 * - Parallel: the same with podManagementPolicy Parallel, against 5 `docker run -d` at once.
 *   Target <= 1.3x.
 *
 * The order of floor and kctl alternates per round, so a noisy neighbour hits both alike; the
 * ratio is reported as median(kctl) / median(floor) and as the median of each round's own ratio.
 * Prints a table and one JSON line.
 * Run: `npm run build && node dist/bench/statefulset.js [--runs 5] [--replicas 5]`.
 * Needs the engine and the test images (scripts/docker-engine.sh, scripts/build-test-images.sh).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PersistentVolumeClaim, StatefulSet } from "../lib/types.js";
import { docker, startBenchCluster, type BenchCluster } from "./in-process-cluster.js";
import { PodPhaseTracker } from "./node-phases.js";
import { median } from "./stats.js";

const IMAGE = "kctl-test/web:v1";

function parseArgs(argv: string[]): { runs: number; replicas: number } {
  const a = { runs: 5, replicas: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, "");
    const v = Number(argv[i + 1]);
    if ((key !== "runs" && key !== "replicas") || !Number.isInteger(v) || v <= 0) throw new Error(`usage: statefulset.js [--runs N] [--replicas N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return a;
}

type Policy = "OrderedReady" | "Parallel";

function statefulSet(name: string, replicas: number, policy: Policy): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: policy,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "web", image: IMAGE, imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        },
      },
      volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Mi" } } } }],
    },
  };
}

/**
 * `docker run -d` of n containers, each with its own host directory bound at /data (what a
 * local-path claim is) and a published port: one after another, or all at once.
 */
async function floor(c: BenchCluster, n: number, policy: Policy): Promise<number> {
  const label = `kctl-bench=${c.run}-floor`;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-floor-"));
  const one = (i: number) => docker("run", "-d", "--label", label, "-p", "127.0.0.1::8080", "-v", `${base}/data-${i}:/data`, IMAGE);
  const t0 = performance.now();
  if (policy === "Parallel") await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  else for (let i = 0; i < n; i++) await one(i);
  const ms = performance.now() - t0;
  await c.removeLabelled(label);
  fs.rmSync(base, { recursive: true, force: true });
  return ms;
}

let seq = 0;
/** Create the StatefulSet, wait until all its pods are Ready, then delete it with its claims. */
async function kctlStart(c: BenchCluster, n: number, policy: Policy): Promise<number> {
  const name = `sts${seq++}`;
  const t0 = PodPhaseTracker.now();
  await c.client.create(statefulSet(name, n, policy));
  await c.tracker.allReady(name, n);
  const ms = PodPhaseTracker.now() - t0;
  await c.client.delete("StatefulSet", name, { namespace: "default" });
  await c.tracker.allGone(name);
  const claims = await c.client.list<PersistentVolumeClaim>("PersistentVolumeClaim", { namespace: "default" });
  await Promise.all(claims.items.map((p) => c.client.delete("PersistentVolumeClaim", p.metadata.name!, { namespace: "default" }).catch(() => undefined)));
  await c.nodeEmpty();
  return ms;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const c = await startBenchCluster("bench-sts");
  const results: Record<string, { floorMs: number; kctlMs: number; ratio: number; pairedRatio: number; floorRuns: number[]; kctlRuns: number[] }> = {};
  try {
    // one warm-up of each path (image cache, first provisioning) that is not counted
    await floor(c, 1, "OrderedReady");
    await kctlStart(c, 1, "OrderedReady");
    for (const policy of ["OrderedReady", "Parallel"] as const) {
      const f: number[] = [];
      const k: number[] = [];
      for (let r = 0; r < args.runs; r++) {
        if (r % 2 === 0) {
          f.push(await floor(c, args.replicas, policy));
          k.push(await kctlStart(c, args.replicas, policy));
        } else {
          k.push(await kctlStart(c, args.replicas, policy));
          f.push(await floor(c, args.replicas, policy));
        }
      }
      results[policy] = {
        floorMs: Math.round(median(f)),
        kctlMs: Math.round(median(k)),
        ratio: Number((median(k) / median(f)).toFixed(2)),
        pairedRatio: Number(median(k.map((x, i) => x / f[i]!)).toFixed(2)),
        floorRuns: f.map(Math.round),
        kctlRuns: k.map(Math.round),
      };
    }
  } finally {
    await c.stop();
  }
  const out = process.stdout;
  out.write(`\nkctl StatefulSet start (${args.replicas} replicas, a local-path claim each; medians of ${args.runs} interleaved runs)\n`);
  out.write(`${"policy".padEnd(14)}${"floor".padEnd(28)}${"docker".padStart(10)}${"kctl".padStart(10)}${"ratio".padStart(8)}${"paired".padStart(8)}${"target".padStart(8)}\n`);
  const floorName = { OrderedReady: `${args.replicas} sequential docker run`, Parallel: `${args.replicas} parallel docker run` };
  const target = { OrderedReady: "1.5x", Parallel: "1.3x" };
  for (const [policy, r] of Object.entries(results) as [Policy, (typeof results)[string]][]) {
    out.write(`${policy.padEnd(14)}${floorName[policy].padEnd(28)}${`${r.floorMs} ms`.padStart(10)}${`${r.kctlMs} ms`.padStart(10)}${`${r.ratio}x`.padStart(8)}${`${r.pairedRatio}x`.padStart(8)}${target[policy].padStart(8)}\n`);
  }
  out.write(`${JSON.stringify({ bench: "statefulset", runs: args.runs, replicas: args.replicas, ...results })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench/statefulset: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
