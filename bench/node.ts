/**
 * Node benchmark (kubelet on the real engine), medians over several runs, on one engine:
 *
 * - N = 1, 10, 30 replicas: `docker run -d` of the same containers directly, 10 at a time (the
 *   floor), against a Deployment through kctl (API server + controllers + scheduler + kubelet
 *   in-process) until every pod is Ready;
 * - self-heal: `docker kill` of a pod's container until the pod is Running again (restartCount+1);
 * - a rolling update of 10 replicas (web:v1 -> web:v2) until all are updated and Ready.
 *
 * Prints a table and one JSON line. Run: `node dist/bench/node.js [--runs 3]`.
 * Needs the engine and the test images (scripts/docker-engine.sh, scripts/build-test-images.sh).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { startKubelet } from "../kubelet/index.js";
import { LABEL_NODE } from "../kubelet/labels.js";
import { ApiClient } from "../lib/client.js";
import { silentLogger } from "../lib/logger.js";
import type { Deployment, Pod } from "../lib/types.js";
import { startScheduler } from "../scheduler/index.js";

const execFileP = promisify(execFile);
const DOCKER = "/usr/bin/docker";
const RUNS = Number(process.argv[process.argv.indexOf("--runs") + 1] || 3) || 3;
const run = `bench-${process.pid}`;
const node = `${run}-node`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function docker(...args: string[]): Promise<string> {
  return (await execFileP(DOCKER, args, { maxBuffer: 16 << 20 })).stdout.trim();
}

async function removeLabelled(label: string): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=${label}`)).split("\n").filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) await docker("rm", "-f", ...ids.slice(i, i + 50)).catch(() => "");
}

/** The floor: `docker run -d` of n web containers with a published port, 10 at a time. */
async function dockerRunFloor(n: number): Promise<number> {
  const label = `kctl-bench=${run}-floor`;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, () => docker("run", "-d", "--label", label, "-p", "127.0.0.1::8080", "kctl-test/web:v1")),
    );
  }
  const ms = performance.now() - t0;
  await removeLabelled(label);
  return ms;
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

const ready = (p: Pod): boolean => p.status?.phase === "Running" && p.status.conditions?.find((c) => c.type === "Ready")?.status === "True";

async function pods(client: ApiClient, app: string): Promise<Pod[]> {
  return (await client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${app}` })).items;
}

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function deleteDeployment(client: ApiClient, name: string): Promise<void> {
  await client.delete("Deployment", name, { namespace: "default", propagationPolicy: "Foreground" }).catch(() => undefined);
  await until(async () => (await pods(client, name)).length === 0, `pods of ${name} gone`);
  await until(async () => (await docker("ps", "-aq", "--filter", `label=${LABEL_NODE}=${node}`)) === "", "containers gone");
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-node-"));
  const api = await startApiServer({ dataDir, listen: "127.0.0.1:0", tls: false });
  const client = new ApiClient({ server: api.url, token: api.adminToken });
  const logger = silentLogger();
  const cm = await startControllerManager({ client, logger });
  const sched = await startScheduler({ client, logger });
  const kubelet = await startKubelet({ client, logger, nodeName: node, nodeIP: "127.0.0.1", dataDir: path.join(dataDir, "kubelet"), containerLabels: { "kctl-bench": run } });
  const results: Record<string, { floorMs?: number; kctlMs?: number; ratio?: number; ms?: number }> = {};
  let seq = 0;
  try {
    for (const n of [1, 10, 30]) {
      const floor: number[] = [];
      const kctl: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        floor.push(await dockerRunFloor(n));
        const name = `b${n}-${seq++}`;
        const t0 = performance.now();
        await client.create(deployment(name, n));
        await until(async () => {
          const ps = await pods(client, name);
          return ps.length === n && ps.every(ready);
        }, `${n} Ready`);
        kctl.push(performance.now() - t0);
        await deleteDeployment(client, name);
      }
      const f = median(floor);
      const k = median(kctl);
      results[`replicas_${n}`] = { floorMs: Math.round(f), kctlMs: Math.round(k), ratio: Number((k / f).toFixed(2)) };
    }

    // self-heal: docker kill -> Running again. Each pod is killed once: a second crash of the
    // same container would (rightly) wait out the CrashLoopBackOff delay.
    const heal: number[] = [];
    const healN = Math.max(5, RUNS);
    await client.create(deployment("heal", healN));
    const healPods = await until(async () => {
      const ps = await pods(client, "heal");
      return ps.length === healN && ps.every(ready) ? ps : undefined;
    }, "heal pods Ready");
    for (const p of healPods) {
      const cs = p.status!.containerStatuses![0]!;
      const t0 = performance.now();
      await docker("kill", cs.containerID!.replace("docker://", ""));
      await until(async () => {
        const q = await client.get<Pod>("Pod", p.metadata.name!, "default");
        const s = q.status?.containerStatuses?.[0];
        return s && s.restartCount > cs.restartCount && s.state?.running ? q : undefined;
      }, "running again");
      heal.push(performance.now() - t0);
    }
    await deleteDeployment(client, "heal");
    results.selfHeal = { ms: Math.round(median(heal)) };

    // rolling update of 10 replicas
    const roll: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const name = `roll-${r}`;
      await client.create(deployment(name, 10));
      await until(async () => {
        const ps = await pods(client, name);
        return ps.length === 10 && ps.every(ready);
      }, "10 Ready");
      const t0 = performance.now();
      await client.patch("Deployment", name, { spec: { template: { spec: { containers: [{ name: "web", image: "kctl-test/web:v2" }] } } } }, { namespace: "default", type: "strategic" });
      await until(async () => {
        const ps = (await pods(client, name)).filter((p) => !p.metadata.deletionTimestamp);
        return ps.length === 10 && ps.every((p) => ready(p) && p.spec.containers[0]!.image === "kctl-test/web:v2");
      }, "rolled out");
      roll.push(performance.now() - t0);
      await deleteDeployment(client, name);
    }
    results.rollingUpdate10 = { ms: Math.round(median(roll)) };
  } finally {
    await kubelet.stop({ removeContainers: true });
    await sched.stop();
    await cm.stop();
    await api.close();
    client.close();
    await removeLabelled(`kctl-bench=${run}`);
    await removeLabelled(`${LABEL_NODE}=${node}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const out = process.stdout;
  out.write(`\nkctl node benchmark (medians of ${RUNS} runs; self-heal of ${Math.max(5, RUNS)})\n`);
  out.write(`${"case".padEnd(22)}${"docker run".padStart(12)}${"kctl".padStart(12)}${"ratio".padStart(8)}\n`);
  for (const n of [1, 10, 30]) {
    const r = results[`replicas_${n}`]!;
    out.write(`${`${n} replicas Ready`.padEnd(22)}${`${r.floorMs} ms`.padStart(12)}${`${r.kctlMs} ms`.padStart(12)}${`${r.ratio}x`.padStart(8)}\n`);
  }
  out.write(`${"self-heal (kill)".padEnd(22)}${"".padStart(12)}${`${results.selfHeal!.ms} ms`.padStart(12)}\n`);
  out.write(`${"rolling update x10".padEnd(22)}${"".padStart(12)}${`${results.rollingUpdate10!.ms} ms`.padStart(12)}\n`);
  out.write(`${JSON.stringify({ bench: "node", runs: RUNS, ...results })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench/node: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
