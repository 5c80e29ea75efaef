/**
 * Node benchmark (kubelet on the real engine), medians over several runs, on one engine:
 *
 * - N = 1, 10, 30 replicas: `docker run -d` of the same containers directly, 10 at a time (the
 *   floor), against a Deployment through kctl (API server + controllers + scheduler + kubelet
 *   in-process) until every pod is Ready. Floor and kctl runs are interleaved (their order
 *   alternates per round) so that a noisy neighbour hits both alike; the ratio is reported both
 *   as median(kctl) / median(floor) and as the median of each round's own ratio.
 * - where kctl's time goes: per phase (created, scheduled, sandbox created/started, app
 *   created/started, Running, Ready), the median over pods and rounds of the time since the
 *   Deployment was created (bench/node-phases.ts);
 * - self-heal: `docker kill` of a pod's container until the pod is Running again (restartCount+1);
 * - a rolling update of 10 replicas (web:v1 -> web:v2) until all are updated and Ready;
 * - deletion, N = 10 and 30 containers that ignore SIGTERM with a grace period G (default 5 s):
 *   a Deployment's pods deleted at once until every pod object is gone, against the floor of
 *   `docker stop -t G` of as many such containers, all at once (target: within G + 1.5 s, i.e.
 *   one grace period whatever N, as per-pod workers allow).
 *
 * Waiting is done on a watch, not by polling the API server under test.
 *
 * Prints a table and one JSON line.
 * Run: `node dist/bench/node.js [--runs 5] [--sizes 1,10,30] [--no-heal] [--no-roll] [--deletes 10,30] [--grace 5] [--pod-sandbox always|when-needed]`
 * (`--deletes ""` skips the deletion figures; `--pod-sandbox always` gives every pod a sandbox, the layout before).
 * Needs the engine and the test images (scripts/docker-engine.sh, scripts/build-test-images.sh).
 */
import { parsePodSandbox } from "../cli/flags.js";
import type { ApiClient } from "../lib/client.js";
import type { Deployment } from "../lib/types.js";
import { countsSince, startEngineCallCounter } from "./engine-call-counter.js";
import { docker, dockerVia, startBenchCluster, type BenchCluster } from "./in-process-cluster.js";
import { PHASES, PodPhaseTracker, type Phase } from "./node-phases.js";
import { median } from "./stats.js";

interface Args {
  runs: number;
  sizes: number[];
  heal: boolean;
  roll: boolean;
  deletes: number[];
  grace: number;
  podSandbox?: "always" | "when-needed";
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 3, sizes: [1, 10, 30], heal: true, roll: true, deletes: [10, 30], grace: 5 };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === "--runs") a.runs = Math.max(1, Number(argv[++i]) || 3);
    else if (f === "--sizes") a.sizes = (argv[++i] ?? "").split(",").map(Number).filter((n) => n > 0);
    else if (f === "--no-heal") a.heal = false;
    else if (f === "--no-roll") a.roll = false;
    else if (f === "--deletes") a.deletes = (argv[++i] ?? "").split(",").map(Number).filter((n) => n > 0);
    else if (f === "--grace") a.grace = Math.max(1, Number(argv[++i]) || 5);
    else if (f === "--pod-sandbox") a.podSandbox = parsePodSandbox(argv[++i] ?? "");
    else throw new Error(`unknown flag ${f}`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const RUNS = args.runs;
/** The floor: `docker run -d` of n web containers with a published port, 10 at a time. */
async function dockerRunFloor(c: BenchCluster, n: number, dockerSocket?: string): Promise<number> {
  const label = `kctl-bench=${c.run}-floor`;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, () => (dockerSocket ? dockerVia(dockerSocket) : docker)("run", "-d", "--label", label, "-p", "127.0.0.1::8080", "kctl-test/web:v1")),
    );
  }
  const ms = performance.now() - t0;
  await c.removeLabelled(label);
  return ms;
}

/** A shell that ignores SIGTERM: only the SIGKILL at the end of the grace period stops it. */
const STUBBORN = ["sh", "-c", 'trap "" TERM; while true; do sleep 1; done'];

/** The deletion floor: n SIGTERM-ignoring containers, then `docker stop -t grace` of all at once. */
async function dockerStopFloor(c: BenchCluster, n: number, grace: number): Promise<number> {
  const label = `kctl-bench=${c.run}-stop`;
  const ids: string[] = [];
  for (let i = 0; i < n; i += 10) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => docker("run", "-d", "--label", label, "kctl-test/busybox:v1", ...STUBBORN)))));
  }
  const t0 = performance.now();
  await Promise.all(ids.map((id) => docker("stop", "-t", String(grace), id.trim())));
  const ms = performance.now() - t0;
  await c.removeLabelled(label);
  return ms;
}

/** n pods of a SIGTERM-ignoring busybox with grace period `grace`. */
function stubbornDeployment(name: string, n: number, grace: number): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: grace, containers: [{ name: "c", image: "kctl-test/busybox:v1", imagePullPolicy: "IfNotPresent", command: STUBBORN }] },
      },
    },
  };
}

function deployment(name: string, replicas: number, image = "kctl-test/web:v1"): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image, imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** apiserver_request_total by `verb resource` (watches excluded), scraped from /metrics. */
async function requestCounts(client: ApiClient): Promise<Map<string, number>> {
  const res = await client.stream("/metrics");
  let text = "";
  for await (const chunk of res) text += String(chunk);
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^apiserver_request_total\{verb="([^"]*)",resource="([^"]*)",code="[^"]*"\} (\d+)$/gm)) {
    if (m[1] === "watch") continue;
    const key = `${m[1]} ${m[2]}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

/** Median over runs of each request count, divided by the replicas. */
function perPod(runs: readonly Map<string, number>[], n: number): Record<string, number> {
  const keys = new Set(runs.flatMap((r) => [...r.keys()]));
  const out: Record<string, number> = {};
  for (const k of [...keys].sort()) out[k] = Number((median(runs.map((r) => r.get(k) ?? 0)) / n).toFixed(2));
  return out;
}

async function main(): Promise<void> {
  const c = await startBenchCluster("bench", { podSandbox: args.podSandbox });
  const floorCounter = await startEngineCallCounter();
  const { client, tracker } = c;
  const deleteDeployment = async (name: string): Promise<void> => {
    await client.delete("Deployment", name, { namespace: "default", propagationPolicy: "Foreground" }).catch(() => undefined);
    await tracker.allGone(name);
    await c.nodeEmpty();
  };

  interface StartResult {
    floorMs: number;
    kctlMs: number;
    ratio: number;
    pairedRatio: number;
    /** CPU time of this process (API server, controllers, scheduler, kubelet, bench) per kctl run */
    cpuMs: number;
    /** API requests (not watches) per pod during a kctl run, by `verb resource`, incl. the bench's 2 scrapes */
    requestsPerPod: Record<string, number>;
    /** the kubelet's Docker engine calls per pod during a kctl run, by `METHOD /path` */
    engineCallsPerPod: Record<string, number>;
    /** the same for the floor's `docker run -d` (the docker CLI through the same counter) */
    floorEngineCallsPerPod: Record<string, number>;
    floorRuns: number[];
    kctlRuns: number[];
    phasesMs: Partial<Record<Phase, number>>;
  }
  const starts = new Map<number, StartResult>();
  const results: Record<string, unknown> = {};
  let seq = 0;
  try {
    for (const n of args.sizes) {
      const floor: number[] = [];
      const kctl: number[] = [];
      const phases: Partial<Record<Phase, number>>[] = [];
      const cpu: number[] = [];
      const requests: Map<string, number>[] = [];
      const engineCalls: Map<string, number>[] = [];
      const floorEngineCalls: Map<string, number>[] = [];
      const floorRun = async (): Promise<void> => {
        const calls0 = floorCounter.counts();
        floor.push(await dockerRunFloor(c, n, floorCounter.socketPath));
        floorEngineCalls.push(countsSince(calls0, floorCounter.counts()));
      };
      const kctlRun = async (): Promise<void> => {
        const name = `b${n}-${seq++}`;
        const before = await requestCounts(client);
        const calls0 = c.engineCalls.counts();
        const cpu0 = process.cpuUsage();
        const t0 = PodPhaseTracker.now();
        await client.create(deployment(name, n));
        await tracker.allReady(name, n);
        kctl.push(PodPhaseTracker.now() - t0);
        const used = process.cpuUsage(cpu0);
        cpu.push((used.user + used.system) / 1000);
        const after = await requestCounts(client);
        requests.push(countsSince(before, after));
        engineCalls.push(countsSince(calls0, c.engineCalls.counts()));
        phases.push(tracker.phases(name, t0));
        await deleteDeployment(name);
      };
      for (let r = 0; r < RUNS; r++) {
        // Alternate the order so that neither side always runs on a box just warmed (or just
        // loaded) by the other.
        if (r % 2 === 0) {
          await floorRun();
          await kctlRun();
        } else {
          await kctlRun();
          await floorRun();
        }
      }
      const f = median(floor);
      const k = median(kctl);
      const phasesMs: Partial<Record<Phase, number>> = {};
      for (const ph of PHASES) {
        const xs = phases.map((p) => p[ph]).filter((x): x is number => x !== undefined);
        if (xs.length) phasesMs[ph] = Math.round(median(xs));
      }
      starts.set(n, {
        floorMs: Math.round(f),
        kctlMs: Math.round(k),
        ratio: Number((k / f).toFixed(2)),
        pairedRatio: Number(median(kctl.map((x, i) => x / floor[i]!)).toFixed(2)),
        cpuMs: Math.round(median(cpu)),
        requestsPerPod: perPod(requests, n),
        engineCallsPerPod: perPod(engineCalls, n),
        floorEngineCallsPerPod: perPod(floorEngineCalls, n),
        floorRuns: floor.map(Math.round),
        kctlRuns: kctl.map(Math.round),
        phasesMs,
      });
      results[`replicas_${n}`] = starts.get(n);
    }

    if (args.heal) {
      // self-heal: docker kill -> Running again. Each pod is killed once: a second crash of the
      // same container would (rightly) wait out the CrashLoopBackOff delay.
      const heal: number[] = [];
      const healN = Math.max(5, RUNS);
      await client.create(deployment("heal", healN));
      await tracker.allReady("heal", healN);
      for (const p of tracker.live("heal")) heal.push(await tracker.healAfter(p, (id) => docker("kill", id)));
      await deleteDeployment("heal");
      results.selfHeal = { ms: Math.round(median(heal)) };
    }

    if (args.roll) {
      const roll: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const name = `roll-${r}`;
        await client.create(deployment(name, 10));
        await tracker.allReady(name, 10);
        const t0 = performance.now();
        await client.patch("Deployment", name, { spec: { template: { spec: { containers: [{ name: "web", image: "kctl-test/web:v2" }] } } } }, { namespace: "default", type: "strategic" });
        await tracker.until(() => {
          const ps = tracker.live(name);
          return (
            ps.length === 10 &&
            ps.every((p) => p.spec.containers[0]!.image === "kctl-test/web:v2" && p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True")
          );
        }, "rolled out");
        roll.push(performance.now() - t0);
        await deleteDeployment(name);
      }
      results.rollingUpdate10 = { ms: Math.round(median(roll)) };
    }

    for (const n of args.deletes) {
      const floor: number[] = [];
      const kctl: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const name = `del${n}-${seq++}`;
        await client.create(stubbornDeployment(name, n, args.grace));
        await tracker.allReady(name, n);
        const t0 = performance.now();
        // Scale to 0: the ReplicaSet controller deletes every pod at once (each with the pod's
        // grace period), then the kubelet stops them.
        await client.patch("Deployment", name, { spec: { replicas: 0 } }, { namespace: "default", type: "merge" });
        await tracker.allGone(name);
        kctl.push(performance.now() - t0);
        await deleteDeployment(name);
        floor.push(await dockerStopFloor(c, n, args.grace));
      }
      results[`delete_${n}`] = {
        graceS: args.grace,
        floorMs: Math.round(median(floor)),
        kctlMs: Math.round(median(kctl)),
        overFloorMs: Math.round(median(kctl) - median(floor)),
        floorRuns: floor.map(Math.round),
        kctlRuns: kctl.map(Math.round),
      };
    }
  } finally {
    await c.stop();
    await floorCounter.stop();
  }

  const out = process.stdout;
  out.write(`\nkctl node benchmark (medians of ${RUNS} interleaved runs; self-heal of ${Math.max(5, RUNS)})\n`);
  out.write(`${"case".padEnd(22)}${"docker run".padStart(12)}${"kctl".padStart(12)}${"ratio".padStart(8)}${"paired".padStart(8)}\n`);
  for (const [n, r] of starts) {
    out.write(`${`${n} replicas Ready`.padEnd(22)}${`${r.floorMs} ms`.padStart(12)}${`${r.kctlMs} ms`.padStart(12)}${`${r.ratio}x`.padStart(8)}${`${r.pairedRatio}x`.padStart(8)}\n`);
  }
  const heal = results.selfHeal as { ms: number } | undefined;
  const roll = results.rollingUpdate10 as { ms: number } | undefined;
  if (heal) out.write(`${"self-heal (kill)".padEnd(22)}${"".padStart(12)}${`${heal.ms} ms`.padStart(12)}\n`);
  if (roll) out.write(`${"rolling update x10".padEnd(22)}${"".padStart(12)}${`${roll.ms} ms`.padStart(12)}\n`);
  for (const n of args.deletes) {
    const r = results[`delete_${n}`] as { floorMs: number; kctlMs: number; graceS: number } | undefined;
    if (r) out.write(`${`delete ${n} (grace ${r.graceS}s)`.padEnd(22)}${`${r.floorMs} ms`.padStart(12)}${`${r.kctlMs} ms`.padStart(12)}${`${(r.kctlMs / r.floorMs).toFixed(2)}x`.padStart(8)}\n`);
  }
  out.write(`\nwhere kctl's time goes (ms since the Deployment was created; median over pods, then runs)\n`);
  out.write(`${"replicas".padEnd(10)}${PHASES.map((p) => p.padStart(15)).join("")}\n`);
  for (const [n, r] of starts) out.write(`${String(n).padEnd(10)}${PHASES.map((p) => String(r.phasesMs[p] ?? "-").padStart(15)).join("")}\n`);
  for (const [n, r] of starts) {
    const reqs = Object.entries(r.requestsPerPod).map(([k, v]) => `${k} ${v}`).join(", ");
    out.write(`${n} replicas: kctl process CPU ${r.cpuMs} ms per run; API requests per pod: ${reqs}\n`);
    const calls = (m: Record<string, number>) => `${Object.values(m).reduce((a, b) => a + b, 0).toFixed(1)} (${Object.entries(m).map(([k, v]) => `${k} ${v}`).join(", ")})`;
    out.write(`${n} replicas: engine calls per pod: kctl ${calls(r.engineCallsPerPod)}; docker run ${calls(r.floorEngineCallsPerPod)}\n`);
  }
  out.write(`${JSON.stringify({ bench: "node", runs: RUNS, ...results })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench/node: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
