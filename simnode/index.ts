/**
 * Simulated nodes, like KWOK: Node objects that heart-beat and "run" the pods bound to them by
 * writing the status a kubelet would (Running, Ready) — without any container. They exist to
 * test and measure the control plane at scale; nothing about real containers can be concluded
 * from them.
 *
 *   register N Nodes ──► heart-beat each every heartbeatMs (Lease renew; the Ready condition every 12th)
 *   watch all pods ──► bound to one of ours? ──► after runDelayMs: status Running + Ready
 *                                           └─► deletionTimestamp set: delete for real (grace 0)
 */
import type { ApiClient } from "../lib/client.js";
import { isAlreadyExists, isConflict, isNotFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Namespace, Pod } from "../lib/types.js";
import { Informer, objectKey } from "../lib/informer.js";
import { WorkQueue, runWorkers } from "../lib/workqueue.js";
import { LEASE_NAMESPACE, isRunningReady, nodeAddress, nodeLease, podIp, readyCondition, runningStatus, simNode } from "./objects.js";

export interface SimulatedNodesOptions {
  client: ApiClient;
  logger: Logger;
  count: number;
  /** node names are `${namePrefix}-${i}`, i from 0; default "sim-node" */
  namePrefix?: string;
  /** capacity = allocatable; defaults 4 cores, 16Gi, 110 pods */
  cpu?: string;
  memory?: string;
  pods?: number;
  /** extra node labels */
  labels?: Record<string, string>;
  /** delay between seeing a pod bound and marking it Running (ms); default 0 */
  runDelayMs?: number;
  /** heart-beat period (ms); default 5,000 (three beats inside the default 15 s node-monitor grace period); 0 disables heart-beats */
  heartbeatMs?: number;
  /** do not watch or mark pods (registration + heart-beats only, e.g. the scheduler benchmark) */
  registerOnly?: boolean;
  /** injectable clock for object timestamps */
  now?: () => Date;
}

export interface SimulatedNodes {
  nodeNames: string[];
  /** Stop everything (heart-beats, pod handling). The Node objects stay. */
  stop(): Promise<void>;
  /** Make one node go silent, as if its kubelet died: no heart-beats, no pod handling. */
  stopNode(name: string): void;
}

interface SimNodeState {
  name: string;
  index: number;
  address: string;
  alive: boolean;
  since: string;
  podSeq: number;
  /** heart-beats so far (the Node's Ready condition is written every STATUS_EVERY-th) */
  beats: number;
  timer?: NodeJS.Timeout;
}

/** The Node's Ready heart-beat is written every this many Lease renewals (once a minute at 5 s). */
const STATUS_EVERY = 12;

const WRITE_CONCURRENCY = 32;

/** Run `fn` over `items` with at most `limit` promises in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Register `count` simulated nodes and keep them alive until `stop()`. */
export async function startSimulatedNodes(opts: SimulatedNodesOptions): Promise<SimulatedNodes> {
  const { client } = opts;
  const log = opts.logger;
  const now = opts.now ?? (() => new Date());
  const iso = (): string => now().toISOString();
  const prefix = opts.namePrefix ?? "sim-node";
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const runDelayMs = opts.runDelayMs ?? 0;
  const shape = {
    cpu: opts.cpu ?? "4",
    memory: opts.memory ?? "16Gi",
    pods: opts.pods ?? 110,
    labels: opts.labels ?? {},
    leaseDurationSeconds: Math.max(1, Math.ceil((heartbeatMs || 10_000) * 4 / 1000)),
  };

  const nodes = new Map<string, SimNodeState>();
  for (let i = 0; i < opts.count; i++) {
    const name = `${prefix}-${i}`;
    nodes.set(name, { name, index: i, address: nodeAddress(i), alive: true, since: iso(), podSeq: 0, beats: 1 });
  }

  // ---- registration ----
  if (heartbeatMs > 0) await ensureNamespace(client, LEASE_NAMESPACE);
  await forEachLimited([...nodes.values()], WRITE_CONCURRENCY, async (st) => {
    const obj = simNode(st.name, st.index, shape, st.since);
    try {
      await client.create(obj);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // A previous run registered it: take it over with our shape and labels.
      await client.patch("Node", st.name, { metadata: { labels: obj.metadata.labels, annotations: obj.metadata.annotations }, spec: obj.spec });
    }
    // The API server may drop status on create (status is a subresource): write it explicitly.
    await client.patch("Node", st.name, { status: obj.status }, { subresource: "status" });
    if (heartbeatMs > 0) await renewLease(st);
  });
  log.info({ count: nodes.size, prefix }, "simulated nodes registered");

  // ---- heart-beats, staggered over the period so N nodes do not write in one burst ----
  async function renewLease(st: SimNodeState): Promise<void> {
    const lease = nodeLease(st.name, iso(), shape.leaseDurationSeconds);
    try {
      await client.patch("Lease", st.name, { spec: lease.spec }, { namespace: LEASE_NAMESPACE });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await client.create(lease).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
    }
  }
  // As the kubelet: the Lease every beat, the Node's Ready condition only every STATUS_EVERY beats.
  async function heartbeat(st: SimNodeState): Promise<void> {
    if (!st.alive) return;
    try {
      await renewLease(st);
      if (st.beats++ % STATUS_EVERY === 0) await client.patch("Node", st.name, { status: { conditions: [readyCondition(iso(), st.since)] } }, { subresource: "status" });
    } catch (err) {
      log.warn({ node: st.name, err }, "heart-beat failed");
    }
  }
  if (heartbeatMs > 0) {
    for (const st of nodes.values()) {
      const offset = Math.floor((st.index * heartbeatMs) / Math.max(1, nodes.size));
      const start = setTimeout(() => {
        if (!st.alive) return;
        void heartbeat(st);
        st.timer = setInterval(() => void heartbeat(st), heartbeatMs);
      }, offset);
      st.timer = start;
    }
  }

  // ---- pods bound to our nodes ----
  const informer = new Informer<Pod>(client, "Pod", { logger: log });
  const queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 5_000 });
  /** pods whose "container start" delay has begun, so later events do not restart it */
  const starting = new Set<string>();
  let workers: Promise<void> | undefined;

  function onPod(pod: Pod): void {
    const key = objectKey(pod);
    const st = pod.spec?.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
    if (!st || !st.alive) return;
    if (pod.metadata.deletionTimestamp) queue.add(key);
    else if (!isRunningReady(pod) && !isTerminal(pod)) {
      if (runDelayMs > 0 && !starting.has(key)) {
        starting.add(key);
        queue.addAfter(key, runDelayMs);
      } else if (runDelayMs === 0) queue.add(key);
    }
  }

  async function syncPod(key: string): Promise<void> {
    const pod = informer.get(key);
    if (!pod) {
      starting.delete(key);
      return;
    }
    const st = nodes.get(pod.spec.nodeName ?? "");
    if (!st || !st.alive) return;
    const ns = pod.metadata.namespace ?? "default";
    const name = pod.metadata.name ?? "";
    try {
      if (pod.metadata.deletionTimestamp) {
        // Graceful delete: our "containers" stop at once, so finish the deletion as a kubelet does.
        await client.delete("Pod", name, { namespace: ns, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        return;
      }
      if (isRunningReady(pod) || isTerminal(pod)) return;
      starting.delete(key);
      const status = runningStatus(pod, st.address, podIp(st.index, st.podSeq++), iso());
      await client.patch("Pod", name, { status }, { namespace: ns, subresource: "status" });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return; // gone, or replaced by a pod of the same name
      throw e;
    }
  }

  if (!opts.registerOnly) {
    informer.addEventHandler({
      onAdd: onPod,
      onUpdate: (_old, cur) => onPod(cur),
      onDelete: (pod) => starting.delete(objectKey(pod)),
    });
    informer.start();
    await informer.waitForSync();
    workers = runWorkers(queue, WRITE_CONCURRENCY, syncPod, log);
  }

  let stopped = false;
  return {
    nodeNames: [...nodes.keys()],
    stopNode(name: string): void {
      const st = nodes.get(name);
      if (!st) return;
      st.alive = false;
      if (st.timer) {
        clearTimeout(st.timer);
        clearInterval(st.timer);
      }
      log.info({ node: name }, "simulated node stopped (no more heart-beats or pod updates)");
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const st of nodes.values()) {
        if (st.timer) {
          clearTimeout(st.timer);
          clearInterval(st.timer);
        }
      }
      queue.shutdown();
      await Promise.all([informer.stop(), workers]);
    },
  };
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

async function ensureNamespace(client: ApiClient, name: string): Promise<void> {
  const ns: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
  try {
    await client.create(ns);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}
