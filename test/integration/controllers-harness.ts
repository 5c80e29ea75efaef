/**
 * A control plane for the controllers' integration tests: a real API server (real SQLite), the
 * real scheduler, simulated nodes (KWOK-like: they only write pod status, no containers — these
 * tests say nothing about real containers) and the controller manager.
 */
import { startControllerManager, type ControllerManagerOptions } from "../../controllers/index.js";
import { ApiClient } from "../../lib/client.js";
import { silentLogger, createLogger } from "../../lib/logger.js";
import type { Deployment, Pod } from "../../lib/types.js";
import { startScheduler } from "../../scheduler/index.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../simnode/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

export const logger = process.env.KCTL_TEST_LOG ? createLogger({ level: process.env.KCTL_TEST_LOG }) : silentLogger();

export interface Plane {
  server: TestServer;
  client: ApiClient;
  nodes: SimulatedNodes;
  /** (re)start the controller manager */
  startControllers(extra?: Partial<ControllerManagerOptions>): Promise<void>;
  stopControllers(): Promise<void>;
  close(): Promise<void>;
}

export async function startPlane(opts: { nodes?: number; heartbeatMs?: number; controllers?: Partial<ControllerManagerOptions> } = {}): Promise<Plane> {
  const server = await startTestServer();
  // Each component gets its own client (and so its own connection pool), as in production.
  const mk = () => new ApiClient({ server: server.url, token: server.token });
  const nodes = await startSimulatedNodes({ client: mk(), logger, count: opts.nodes ?? 3, heartbeatMs: opts.heartbeatMs ?? 1000 });
  const scheduler = await startScheduler({ client: mk(), logger });
  let cm: { stop(): Promise<void> } | undefined;
  const plane: Plane = {
    server,
    client: server.client,
    nodes,
    async startControllers(extra = {}) {
      cm = await startControllerManager({ client: mk(), logger, ...opts.controllers, ...extra });
    },
    async stopControllers() {
      await cm?.stop();
      cm = undefined;
    },
    async close() {
      await cm?.stop();
      await scheduler.stop();
      await nodes.stop();
      await server.close();
    },
  };
  await plane.startControllers();
  return plane;
}

/** The Deployment rolled out (kubectl's rollout status criteria). */
export async function rolledOut(client: ApiClient, name: string): Promise<Deployment | undefined> {
  const d = await client.get<Deployment>("Deployment", name, "default");
  const s = d.status ?? {};
  const n = d.spec.replicas ?? 1;
  const done = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n && (s.availableReplicas ?? 0) === n;
  return done ? d : undefined;
}

export async function podsOf(client: ApiClient, app: string): Promise<Pod[]> {
  return (await client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${app}` })).items;
}

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
export const live = (p: Pod): boolean => !p.metadata.deletionTimestamp && p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded";
