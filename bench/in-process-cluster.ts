/**
 * The real components wired as `kctl server` wires them (cli/commands/server.ts), in this
 * process, for benchmarks on the real engine: TLS API server on a temp data dir, one client per
 * component, one shared informer factory for controllers and scheduler, a node credential for
 * one kubelet whose containers carry `kctl-bench=<run>`, and a pod phase tracker on a watch.
 * The node is on kctl's pod network as `kctl server`'s is (its own bridge on a podCIDR from a
 * bench-only cluster range, removed again at stop), so pods run without a sandbox where they
 * need none, unless `podSandbox: "always"` asks for the layout before.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { startApiServer } from "../apiserver/index.js";
import { startControllerManager } from "../controllers/index.js";
import { startKubelet } from "../kubelet/index.js";
import { cleanupPodNetwork } from "../kubelet/network/cleanup.js";
import { startEngineCallCounter, type EngineCallCounter } from "./engine-call-counter.js";
import { LABEL_NODE } from "../kubelet/labels.js";
import { ApiClient } from "../lib/client.js";
import { createLogger, silentLogger } from "../lib/logger.js";
import { SharedInformers } from "../lib/shared-informers.js";
import { startScheduler } from "../scheduler/index.js";
import { PodPhaseTracker } from "./node-phases.js";

const execFileP = promisify(execFile);
const DOCKER = "/usr/bin/docker";

/** The Debian docker CLI (as users run it). */
export async function docker(...argv: string[]): Promise<string> {
  return (await execFileP(DOCKER, argv, { maxBuffer: 16 << 20 })).stdout.trim();
}

/** {@link docker} talking to the engine through `socket` (e.g. an engine call counter). */
export function dockerVia(socket: string): (...argv: string[]) => Promise<string> {
  return async (...argv) => (await execFileP(DOCKER, argv, { maxBuffer: 16 << 20, env: { ...process.env, DOCKER_HOST: `unix://${socket}` } })).stdout.trim();
}

export interface BenchCluster {
  /** an admin client */
  client: ApiClient;
  engine: Dockerode;
  /** this run's name (container label value) */
  run: string;
  node: string;
  /** the kubelet's engine calls, counted on their way to the engine (bench/engine-call-counter.ts) */
  engineCalls: EngineCallCounter;
  tracker: PodPhaseTracker;
  /** ids of the containers carrying `label` (`key=value`) */
  idsLabelled(label: string): Promise<string[]>;
  /** `docker rm -f` every container carrying `label` */
  removeLabelled(label: string): Promise<void>;
  /** resolve once the node runs no container */
  nodeEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/** Start the cluster; `KCTL_LOG_LEVEL` turns the components' logs on. */
/**
 * A cluster range for benchmarks only, so a bench never takes the addresses of a `kctl server`
 * on the same host (10.244.0.0/16 by default).
 */
const BENCH_CLUSTER_CIDR = "10.250.0.0/16";

/** How the bench cluster's kubelet lays pods out (kubelet option `podSandbox`). */
export interface BenchClusterOptions {
  podSandbox?: "always" | "when-needed";
}

export async function startBenchCluster(prefix: string, opts: BenchClusterOptions = {}): Promise<BenchCluster> {
  const run = `${prefix}-${process.pid}`;
  const node = `${run}-node`;
  const engine = new Dockerode({ socketPath: "/var/run/docker.sock" });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `kctl-${prefix}-`));
  const api = await startApiServer({ dataDir, listen: "127.0.0.1:0" });
  const clientFor = (component: string): ApiClient =>
    new ApiClient({ server: api.url, token: api.adminToken, ca: api.caPem, userAgent: `kctl-${component}`, maxSockets: 32 });
  const client = clientFor("bench");
  const logger = process.env.KCTL_LOG_LEVEL ? createLogger({ level: process.env.KCTL_LOG_LEVEL }) : silentLogger();
  const informers = new SharedInformers(clientFor("informers"), logger);
  const cm = await startControllerManager({ client: clientFor("controller-manager"), logger, informers, clusterCidr: BENCH_CLUSTER_CIDR });
  const sched = await startScheduler({ client: clientFor("scheduler"), logger, informers });
  const cred = await api.nodeCredential(node, ["127.0.0.1"]);
  const engineCalls = await startEngineCallCounter();
  const kubelet = await startKubelet({
    dockerSocket: engineCalls.socketPath,
    client: new ApiClient({ server: api.url, token: cred.token, ca: api.caPem, userAgent: "kctl-kubelet" }),
    logger,
    nodeName: node,
    nodeIP: "127.0.0.1",
    dataDir: path.join(dataDir, "kubelet"),
    containerLabels: { "kctl-bench": run },
    kubeletServerTls: { certPem: cred.certPem, keyPem: cred.keyPem, caPem: cred.caPem },
    podNetwork: { clusterCidr: BENCH_CLUSTER_CIDR, mode: "auto" },
    ...(opts.podSandbox ? { podSandbox: opts.podSandbox } : {}),
  });
  const tracker = new PodPhaseTracker(client, engine, "default", `kctl-bench=${run}`);
  await tracker.start();
  const idsLabelled = async (label: string) => (await engine.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Id);
  const removeLabelled = async (label: string) => {
    const ids = await idsLabelled(label);
    for (let i = 0; i < ids.length; i += 50) await docker("rm", "-f", ...ids.slice(i, i + 50)).catch(() => "");
  };
  return {
    client,
    engine,
    run,
    node,
    engineCalls,
    tracker,
    idsLabelled,
    removeLabelled,
    async nodeEmpty() {
      const deadline = Date.now() + 120_000;
      while ((await idsLabelled(`${LABEL_NODE}=${node}`)).length > 0) {
        if (Date.now() > deadline) throw new Error("timed out waiting for the node's containers to go");
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      tracker.stop();
      await kubelet.stop({ removeContainers: true });
      await sched.stop();
      await cm.stop();
      await informers.stop();
      await api.close();
      await engineCalls.stop();
      client.close();
      await removeLabelled(`kctl-bench=${run}`);
      await removeLabelled(`${LABEL_NODE}=${node}`);
      await cleanupPodNetwork(engine, node).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
