/**
 * kctl against single-node Docker Swarm and raw `docker run`, side by side on the same engine, in
 * one run (medians over `--runs`, each round alternating which side goes first):
 *
 * - create N replicas → all running (N = 10), and scale N → 3N: a Deployment (until every pod
 *   is Ready) vs `docker service create/update --replicas` (until as many of the service's
 *   containers have started, from the engine's event stream) vs `docker run -d` 10 at a time;
 *   every side publishes the web port on the host, as kctl does for each pod (Swarm: mode=host).
 *   Two more sides put the others on the kind of network kctl's pods get (an address each, and
 *   names through the engine's embedded DNS), which costs the engine more per start than its
 *   default bridge: Swarm on an overlay network (what `docker stack deploy` gives a stack) and
 *   `docker run` on a bridge network of its own (the floor for kctl's pod network);
 * - self-heal after `docker kill`: kctl restarts the container in place; Swarm starts a new task
 *   after its default restart delay (5 s), also measured with `--restart-delay 0s`;
 * - a rolling update of 10 one at a time (kctl maxSurge 0 / maxUnavailable 1, Swarm's default
 *   update-parallelism 1, stop-first) until all run the new image;
 * - control-plane start: `kctl server` spawn → node Ready vs `docker swarm init`.
 *
 * Swarm is initialised on the engine (advertise 127.0.0.1) and left at the end, unless the
 * engine was already in a swarm, which the bench refuses to touch. Loopback only.
 * Prints a table and one JSON line.
 * Run: `node dist/bench/swarm.js [--runs 3] [--replicas 10] [--pod-sandbox always|when-needed]`
 * (`always`: every kctl pod with a sandbox, the layout before pods went without one where they can)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Deployment } from "../lib/types.js";
import { parsePodSandbox } from "../cli/flags.js";
import { docker, startBenchCluster, type BenchCluster } from "./in-process-cluster.js";
import { removeNodeNetwork, timeStart } from "./server-start-timing.js";
import { median } from "./stats.js";

const V1 = "kctl-test/web:v1";
const V2 = "kctl-test/web:v2";

function parseArgs(argv: string[]): { runs: number; replicas: number; podSandbox?: "always" | "when-needed" } {
  const a = { runs: 3, replicas: 10 };
  let podSandbox: "always" | "when-needed" | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--pod-sandbox") {
      podSandbox = parsePodSandbox(argv[i + 1] ?? "");
      continue;
    }
    const key = argv[i]?.replace(/^--/, "") as keyof typeof a;
    const v = Number(argv[i + 1]);
    if (!(key in a) || !Number.isInteger(v) || v <= 0) throw new Error(`usage: swarm.js [--runs N] [--replicas N] (bad "${argv[i]}")`);
    a[key] = v;
  }
  return { ...a, ...(podSandbox ? { podSandbox } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `n` containers of Swarm service `service` have started (from the engine's events, since `since`). */
async function swarmStarts(c: BenchCluster, service: string, n: number, image?: string): Promise<void> {
  const stream = (await c.engine.getEvents({ filters: { type: ["container"], event: ["start"], label: [`com.docker.swarm.service.name=${service}`] } })) as NodeJS.ReadableStream;
  return waitForStarts(stream, n, image);
}

function waitForStarts(stream: NodeJS.ReadableStream, n: number, image?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let buf = "";
    const timer = setTimeout(() => done(new Error(`only ${seen}/${n} Swarm task containers started within 180 s`)), 180_000);
    const done = (err?: Error) => {
      clearTimeout(timer);
      (stream as unknown as { destroy(): void }).destroy();
      if (err) reject(err);
      else resolve();
    };
    stream.on("data", (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
        if (image && ev.Actor?.Attributes?.image?.split("@")[0] !== image) continue;
        if (++seen >= n) done();
      }
    });
    stream.on("error", (e: Error) => done(e));
  });
}

/** Remove a Swarm service and wait until its containers are gone. */
async function removeService(c: BenchCluster, name: string): Promise<void> {
  await docker("service", "rm", name).catch(() => "");
  for (let i = 0; i < 600 && (await c.idsLabelled(`com.docker.swarm.service.name=${name}`)).length > 0; i++) await sleep(100);
}

function deployment(name: string, replicas: number): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: V1, imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

/** `docker run -d` of n web containers with a published port, 10 at a time (on `network` when given); ms. */
async function rawRuns(n: number, label: string, network?: string): Promise<number> {
  const t0 = performance.now();
  const net = network ? ["--network", network] : [];
  for (let i = 0; i < n; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, n - i) }, () => docker("run", "-d", "--label", label, ...net, "-p", "127.0.0.1::8080", V1)));
  }
  return performance.now() - t0;
}

/** The sides of the comparison, in the table's column order. */
const SIDES = ["kctl", "swarm", "swarmOverlay", "raw", "rawBridge"] as const;
type Side = (typeof SIDES)[number];
/** A bridge network for the floor side and an overlay network for Swarm's, removed at the end. */
const FLOOR_NET = "kctl-bench-floor";
const OVERLAY_NET = "kctl-bench-overlay";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const n = args.replicas;
  const state = await docker("info", "--format", "{{.Swarm.LocalNodeState}}");
  if (state !== "inactive") throw new Error(`the engine is already in a swarm (${state}); this bench only uses an engine it may init and leave`);
  const c = await startBenchCluster("swarm", { podSandbox: args.podSandbox });
  const { client, tracker } = c;
  const t: Record<string, Record<Side, number[]>> = {};
  const add = (k: string, side: Side, ms: number) => ((t[k] ??= { kctl: [], swarm: [], swarmOverlay: [], raw: [], rawBridge: [] })[side].push(ms));
  let swarmOn = false;
  let seq = 0;
  try {
    // Control plane start: kctl server (its own process, own data dir) vs swarm init.
    for (let r = 0; r < args.runs; r++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-swarm-start-"));
      try {
        add("control plane start", "kctl", (await timeStart("bundle", dir, `swarm-start-${r}`)).ready);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
        await removeNodeNetwork(`swarm-start-${r}`);
      }
      const t0 = performance.now();
      await docker("swarm", "init", "--advertise-addr", "127.0.0.1");
      add("control plane start", "swarm", performance.now() - t0);
      if (r < args.runs - 1) await docker("swarm", "leave", "--force");
    }
    swarmOn = true;
    await docker("network", "create", "--driver", "overlay", OVERLAY_NET);
    await docker("network", "rm", FLOOR_NET).catch(() => ""); // left by a run that was killed
    await docker("network", "create", "--driver", "bridge", FLOOR_NET);

    const kctlSide = async (): Promise<void> => {
      const name = `k${seq++}`;
      let t0 = performance.now();
      await client.create(deployment(name, n));
      await tracker.allReady(name, n);
      add(`create ${n}`, "kctl", performance.now() - t0);
      t0 = performance.now();
      await client.patch("Deployment", name, { spec: { replicas: 3 * n } }, { namespace: "default", type: "merge" });
      await tracker.allReady(name, 3 * n);
      add(`scale ${n} → ${3 * n}`, "kctl", performance.now() - t0);
      await client.delete("Deployment", name, { namespace: "default", propagationPolicy: "Foreground" });
      await tracker.allGone(name);
      await c.nodeEmpty();
    };
    const swarmSide = (side: "swarm" | "swarmOverlay") => async (): Promise<void> => {
      const name = `s${seq++}`;
      const label = `kctl-bench=${c.run}`;
      const net = side === "swarmOverlay" ? ["--network", OVERLAY_NET] : [];
      let started = swarmStarts(c, name, n);
      let t0 = performance.now();
      await docker("service", "create", "--detach", "--quiet", "--name", name, "--replicas", String(n), "--no-resolve-image", ...net, "--container-label", label, "--publish", "mode=host,target=8080", V1);
      await started;
      add(`create ${n}`, side, performance.now() - t0);
      started = swarmStarts(c, name, 2 * n);
      t0 = performance.now();
      await docker("service", "update", "--detach", "--quiet", "--replicas", String(3 * n), name);
      await started;
      add(`scale ${n} → ${3 * n}`, side, performance.now() - t0);
      await removeService(c, name);
    };
    const rawSide = (side: "raw" | "rawBridge") => async (): Promise<void> => {
      const label = `kctl-bench=${c.run}-${side}`;
      const net = side === "rawBridge" ? FLOOR_NET : undefined;
      add(`create ${n}`, side, await rawRuns(n, label, net));
      add(`scale ${n} → ${3 * n}`, side, await rawRuns(2 * n, label, net));
      await c.removeLabelled(label);
    };
    for (let r = 0; r < args.runs; r++) {
      const order = [kctlSide, swarmSide("swarm"), rawSide("raw"), swarmSide("swarmOverlay"), rawSide("rawBridge")];
      for (let i = 0; i < r % order.length; i++) order.push(order.shift()!);
      for (const side of order) await side();
    }

    // Self-heal: kill one container of a running workload, until its replacement runs.
    const healN = Math.max(3, args.runs);
    await client.create(deployment("heal", healN));
    await tracker.allReady("heal", healN);
    for (const p of tracker.live("heal")) add("self-heal (docker kill)", "kctl", await tracker.healAfter(p, (id) => docker("kill", id)));
    await client.delete("Deployment", "heal", { namespace: "default", propagationPolicy: "Foreground" });
    await tracker.allGone("heal");
    for (const [svc, extra, key] of [["heal-default", [], "self-heal (docker kill)"], ["heal-nodelay", ["--restart-delay", "0s"], "self-heal, Swarm restart delay 0"]] as const) {
      const ready = swarmStarts(c, svc, healN);
      await docker("service", "create", "--detach", "--quiet", "--name", svc, "--replicas", String(healN), "--no-resolve-image", ...extra, V1);
      await ready;
      for (const id of await c.idsLabelled(`com.docker.swarm.service.name=${svc}`)) {
        const replaced = swarmStarts(c, svc, 1);
        const t0 = performance.now();
        await docker("kill", id);
        await replaced;
        add(key, "swarm", performance.now() - t0);
      }
      await removeService(c, svc);
    }

    // Rolling update of 10, one at a time.
    for (let r = 0; r < args.runs; r++) {
      const name = `roll${r}`;
      await client.create(deployment(name, 10));
      await tracker.allReady(name, 10);
      let t0 = performance.now();
      await client.patch("Deployment", name, { spec: { template: { spec: { containers: [{ name: "web", image: V2 }] } } } }, { namespace: "default", type: "strategic" });
      await tracker.until(() => {
        const ps = tracker.live(name);
        return ps.length === 10 && ps.every((p) => p.spec.containers[0]!.image === V2 && p.status?.conditions?.find((x) => x.type === "Ready")?.status === "True");
      }, "rolled out");
      add("rolling update of 10", "kctl", performance.now() - t0);
      await client.delete("Deployment", name, { namespace: "default", propagationPolicy: "Foreground" });
      await tracker.allGone(name);

      const svc = `sroll${r}`;
      const up = swarmStarts(c, svc, 10);
      await docker("service", "create", "--detach", "--quiet", "--name", svc, "--replicas", "10", "--no-resolve-image", "--update-parallelism", "1", "--update-delay", "0s", V1);
      await up;
      const rolled = swarmStarts(c, svc, 10, V2);
      t0 = performance.now();
      await docker("service", "update", "--detach", "--quiet", "--no-resolve-image", "--image", V2, svc);
      await rolled;
      add("rolling update of 10", "swarm", performance.now() - t0);
      await removeService(c, svc);
    }
  } finally {
    await docker("network", "rm", FLOOR_NET).catch(() => "");
    if (swarmOn) await docker("swarm", "leave", "--force").catch(() => "");
    await c.stop();
  }

  const ratio = (a: number, b: number): number | null => (Number.isNaN(a / b) ? null : Number((a / b).toFixed(2)));
  const rows = Object.entries(t).map(([k, v]) => {
    const m = Object.fromEntries(SIDES.map((s) => [s, median(v[s])])) as Record<Side, number>;
    const ms = Object.fromEntries(SIDES.map((s) => [`${s}Ms`, Number.isNaN(m[s]) ? null : Math.round(m[s])])) as Record<`${Side}Ms`, number | null>;
    return {
      case: k,
      ...ms,
      kctlOverSwarm: ratio(m.kctl, m.swarm),
      kctlOverSwarmOverlay: ratio(m.kctl, m.swarmOverlay),
      kctlOverRaw: ratio(m.kctl, m.raw),
      kctlOverRawBridge: ratio(m.kctl, m.rawBridge),
      rawBridgeOverRaw: ratio(m.rawBridge, m.raw),
    };
  });
  const out = process.stdout;
  const heads = ["kctl", "Swarm", "Swarm ov", "raw", "raw br", "/Swarm", "/Swarm ov", "/raw", "/raw br", "br/raw"];
  out.write(`\nkctl vs Docker Swarm vs docker run, one engine, medians of ${args.runs} rounds (load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)\n`);
  out.write(`ov: Swarm on an overlay network; br: docker run on a bridge network of its own; /X: kctl's time over X's\n`);
  out.write(`${"case".padEnd(34)}${heads.map((h) => h.padStart(10)).join("")}\n`);
  for (const r of rows) {
    const sec = (x: unknown) => (typeof x === "number" ? `${(x / 1000).toFixed(2)} s` : "-");
    const cells = [...SIDES.map((s) => sec(r[`${s}Ms`])), ...[r.kctlOverSwarm, r.kctlOverSwarmOverlay, r.kctlOverRaw, r.kctlOverRawBridge, r.rawBridgeOverRaw].map((x) => String(x ?? "-"))];
    out.write(`${r.case.padEnd(34)}${cells.map((x) => x.padStart(10)).join("")}\n`);
  }
  out.write(`${JSON.stringify({ bench: "swarm", runs: args.runs, replicas: n, results: rows })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench/swarm: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
