/**
 * Docker helpers for kubelet e2e tests: check the engine and test images are there, name a test
 * run with a label, clean up exactly the containers of one run (by label, never everything),
 * and wait on conditions with deadlines.
 */
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Dockerode from "dockerode";

const execFileP = promisify(execFile);

/** The label every container of a test run carries (via startKubelet's containerLabels). */
export const TEST_RUN_LABEL = "kctl.io/test-run";

/** The Debian docker client (another `docker` may come first on PATH). */
export const DOCKER_CLI = "/usr/bin/docker";

/** A dockerode client on the default socket. */
export function docker(): Dockerode {
  return new Dockerode({ socketPath: "/var/run/docker.sock" });
}

/** A unique name for a test run (also usable as a node name). */
export function runId(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Fail with a clear message unless the engine answers and the test images exist. */
export async function assertDockerReady(d: Dockerode = docker(), images: string[] = ["kctl-test/web:v1", "kctl-test/busybox:v1"]): Promise<void> {
  try {
    await d.ping();
  } catch (e) {
    throw new Error(`no Docker engine answers on /var/run/docker.sock (${(e as Error).message}); run: bash scripts/docker-engine.sh && bash scripts/build-test-images.sh`);
  }
  for (const img of images) {
    try {
      await d.getImage(img).inspect();
    } catch {
      throw new Error(`test image ${img} is missing; run: bash scripts/build-test-images.sh`);
    }
  }
}

/** Containers carrying `label=value`. */
export async function containersWithLabel(d: Dockerode, label: string, value: string, all = true): Promise<Dockerode.ContainerInfo[]> {
  return d.listContainers({ all, filters: { label: [`${label}=${value}`] } });
}

/** Remove (force) every container carrying `label=value`; returns how many. */
export async function removeByLabel(d: Dockerode, label: string, value: string): Promise<number> {
  const list = await containersWithLabel(d, label, value);
  await Promise.all(list.map((c) => d.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return list.length;
}

/** Run the docker CLI (kill, rm) as a user would. */
export async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await execFileP(DOCKER_CLI, args);
  return stdout.trim();
}

// ---------------------------------------------------------------- an in-process cluster

import { silentLogger, type Logger } from "../../lib/logger.js";
import { ApiClient } from "../../lib/client.js";
import type { Container, Deployment, Pod } from "../../lib/types.js";
import { startKubelet, type Kubelet, type KubeletOptions } from "../../kubelet/index.js";
import { LABEL_NODE } from "../../kubelet/labels.js";
import { startControllerManager, type ControllerManager } from "../../controllers/index.js";
import { startScheduler, type RunningScheduler } from "../../scheduler/index.js";
import { makeDeployment } from "./builders.js";
import { startTestServer, type TestServer } from "./server.js";
import { eventually } from "./eventually.js";

/** API server + controllers + scheduler + kubelets in this process, on the real engine. */
export interface KubeletCluster {
  srv: TestServer;
  client: ApiClient;
  run: string;
  nodes: string[];
  kubelets: Map<string, Kubelet>;
  /** (re)start the kubelet of a node */
  startNode(node: string, extra?: Partial<KubeletOptions>): Promise<Kubelet>;
  close(): Promise<void>;
}

/** Start a cluster whose containers carry this run's label; `close()` removes exactly those. */
export async function startKubeletCluster(opts: {
  prefix: string;
  nodes?: number;
  kubelet?: Partial<KubeletOptions>;
  controllers?: { nodeMonitorGracePeriodSeconds?: number; podEvictionTimeoutSeconds?: number };
  logger?: Logger;
}): Promise<KubeletCluster> {
  const d = docker();
  await assertDockerReady(d);
  const logger = opts.logger ?? silentLogger();
  const run = runId(opts.prefix);
  const srv = await startTestServer();
  const nodes = Array.from({ length: opts.nodes ?? 1 }, (_, i) => `${run}-n${i + 1}`);
  const kubelets = new Map<string, Kubelet>();
  const cm: ControllerManager = await startControllerManager({ client: srv.client, logger, ...(opts.controllers ?? {}) });
  const sched: RunningScheduler = await startScheduler({ client: srv.client, logger });
  const c: KubeletCluster = {
    srv,
    client: srv.client,
    run,
    nodes,
    kubelets,
    async startNode(node, extra = {}) {
      const i = nodes.indexOf(node);
      const k = await startKubelet({
        client: srv.client,
        logger,
        nodeName: node,
        nodeIP: nodes.length > 1 ? `127.0.0.${i + 2}` : "127.0.0.1",
        containerLabels: { [TEST_RUN_LABEL]: run },
        dataDir: `${srv.dataDir}/kubelet-${node}`,
        heartbeatSeconds: 1,
        ...(opts.kubelet ?? {}),
        ...extra,
      });
      kubelets.set(node, k);
      return k;
    },
    async close() {
      for (const k of kubelets.values()) await k.stop().catch(() => undefined);
      await sched.stop().catch(() => undefined);
      await cm.stop().catch(() => undefined);
      await removeByLabel(d, TEST_RUN_LABEL, run);
      for (const n of nodes) await removeByLabel(d, LABEL_NODE, n);
      await srv.close();
    },
  };
  for (const n of nodes) await c.startNode(n);
  return c;
}

/** A kubelet started by startNodeKubelet, with its node client. */
export interface NodeKubelet {
  kubelet: Kubelet;
  client: ApiClient;
  /** Stop the kubelet, remove every container of the run, close the client. */
  stop(): Promise<void>;
}

/**
 * A kubelet that joins `srv` as a real node does: its own node credential (token) and a CA-signed
 * kubelet serving certificate, so the API server proxies logs and exec to it over mutual TLS. Its
 * containers carry `run`'s label.
 */
export async function startNodeKubelet(srv: TestServer, nodeName: string, run: string, extra: Partial<KubeletOptions> = {}): Promise<NodeKubelet> {
  const cred = await srv.nodeCredential(nodeName, ["127.0.0.1"]);
  const client = new ApiClient({ server: srv.url, token: cred.token, ca: srv.caPem });
  const kubelet = await startKubelet({
    client,
    logger: silentLogger(),
    nodeName,
    nodeIP: "127.0.0.1",
    kubeletServerTls: { certPem: cred.certPem, keyPem: cred.keyPem, caPem: cred.caPem },
    containerLabels: { [TEST_RUN_LABEL]: run },
    ...extra,
  });
  const stop = async (): Promise<void> => {
    await kubelet.stop({ removeContainers: true }).catch(() => undefined);
    await removeByLabel(docker(), TEST_RUN_LABEL, run);
    client.close();
  };
  return { kubelet, client, stop };
}

/**
 * A Deployment of the real test web image (local tag, never pulled), `replicas` pods labelled
 * app=<name> with a 2 s grace period so e2e deletions end quickly.
 */
export function deployment(name: string, replicas: number, container: Partial<Container> = {}, spec: Partial<Pod["spec"]> = {}): Deployment {
  return makeDeployment(name, replicas, {
    container: { name: "web", image: "kctl-test/web:v1", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }], ...container },
    podSpec: { terminationGracePeriodSeconds: 2, ...spec },
  });
}

/** Pods with label app=<app>. */
export async function podsOf(client: ApiClient, app: string): Promise<Pod[]> {
  return (await client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${app}` })).items;
}

/** Is the pod Running with condition Ready=True? */
export function isReady(p: Pod): boolean {
  return p.status?.phase === "Running" && p.status.conditions?.find((c) => c.type === "Ready")?.status === "True";
}
