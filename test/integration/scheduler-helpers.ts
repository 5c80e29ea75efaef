/** Shared set-up for the scheduler and simnode integration tests (not a test file itself). */
import { afterEach, beforeEach } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import { silentLogger } from "../../lib/logger.js";
import type { Event, KList, Node, Pod, Taint } from "../../lib/types.js";
import { startScheduler } from "../../scheduler/index.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../simnode/index.js";
import { makeNode } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** Each test's own API server (real SQLite) and what to stop before it closes. */
export interface PerTestServer {
  readonly client: ApiClient;
  /** Run after the test, last first (schedulers, simulated nodes), then the server closes. */
  cleanups: (() => Promise<void>)[];
}

/** A fresh API server for each test of the calling file (registers beforeEach/afterEach). */
export function serverPerTest(): PerTestServer {
  let server: TestServer | undefined;
  const t = {
    get client(): ApiClient {
      if (!server) throw new Error("serverPerTest: no server outside a test");
      return server.client;
    },
    cleanups: [] as (() => Promise<void>)[],
  };
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const c of t.cleanups.splice(0).reverse()) await c();
    await server?.close();
    server = undefined;
  });
  return t;
}

export async function createPods(client: ApiClient, pods: Pod[]): Promise<void> {
  await Promise.all(pods.map((p) => client.create(p)));
}

export async function listPods(client: ApiClient, namespace = "default"): Promise<Pod[]> {
  return (await client.list<Pod>("Pod", { namespace })).items;
}

/** Wait until `n` pods of the namespace are bound; returns pod name -> node name. */
export async function waitBound(client: ApiClient, n: number, namespace = "default", timeoutMs = 15_000): Promise<Record<string, string>> {
  return eventually(`${n} bound pods`, async () => {
    const pods = await listPods(client, namespace);
    const bound = pods.filter((p) => p.spec.nodeName);
    if (bound.length < n) return undefined;
    return Object.fromEntries(bound.map((p) => [p.metadata.name!, p.spec.nodeName!]));
  }, { timeoutMs: timeoutMs });
}

export function countPerNode(placement: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of Object.values(placement)) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** A Node registered directly (no heart-beat): for tests that shape nodes one by one. */
export async function addNode(
  client: ApiClient,
  name: string,
  o: { cpu?: string; memory?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {},
): Promise<Node> {
  const node = makeNode(name, { ...o, labels: { "kctl.io/simulated": "true", ...o.labels }, heartbeatAt: new Date() });
  await client.create(node);
  return client.patch<Node>("Node", name, { status: node.status }, { subresource: "status" });
}

export async function failedSchedulingEvents(client: ApiClient, podName: string, namespace = "default"): Promise<Event[]> {
  const evs = await client.list<Event>("Event", { namespace });
  return (evs as KList<Event>).items.filter((e) => e.involvedObject?.name === podName && e.reason === "FailedScheduling");
}

/** Start the scheduler with a fixed seed and no logs; returns its stop function. */
export async function runScheduler(client: ApiClient, seed = 1): Promise<{ stop(): Promise<void> }> {
  return startScheduler({ client, logger: silentLogger(), seed });
}

export async function simNodes(client: ApiClient, count: number, extra: Partial<Parameters<typeof startSimulatedNodes>[0]> = {}): Promise<SimulatedNodes> {
  return startSimulatedNodes({ client, logger: silentLogger(), count, heartbeatMs: 0, ...extra });
}
