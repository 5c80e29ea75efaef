/**
 * The scheduling loop: informers feed the cache (nodes, bound pods) and the queue (pending pods);
 * one loop pops a pod, filters and scores every node, assumes the pod onto the best one and sends
 * the binding without waiting for it, so the next pod is scored while earlier binds are in flight.
 *
 *   pod informer ──unbound──► queue ──pop──► schedulePod(cache) ──► assume ──► bind (async, ≤ N in flight)
 *        └──bound──► cache ◄───────────────────────────────────────── forget on failure
 *   node informer ──► cache, and a retry of unschedulable pods
 *   claim/volume informers ──► the pod's volumes (plugins/volume-binding.ts); a pod whose claims
 *     wait for their first consumer gets a node written on them, waits until they are bound
 *     there, then is bound itself
 */
import type { ApiClient } from "../lib/client.js";
import { isConflict, isNotFound } from "../lib/errors.js";
import { objectKey, type Informer } from "../lib/informer.js";
import type { Logger } from "../lib/logger.js";
import { SharedInformers } from "../lib/shared-informers.js";
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, PodCondition, StorageClass } from "../lib/types.js";
import { podClaimNames, SELECTED_NODE_ANNOTATION } from "../lib/storage.js";
import { podVolumes, volumeFilter, type PodVolumes, type VolumeLookup } from "./plugins/volume-binding.js";
import { SchedulerCache, holdsResources } from "./cache.js";
import { hostname } from "node:os";
import { EventRecorder } from "../lib/events.js";

/** source.component of the scheduler's Events, and the schedulerName it serves. */
export const SCHEDULER_COMPONENT = "default-scheduler";
import { schedulePod } from "./framework.js";
import { buildPodInfo } from "./pod-info.js";
import { SchedulingQueue } from "./queue.js";
import { seededRandom } from "../lib/seeded-random.js";
import type { PodInfo } from "./types.js";
import { rfc3339 } from "../lib/timestamps.js";

export interface SchedulerConfig {
  client: ApiClient;
  logger: Logger;
  /** tie-break seed; default 1 */
  seed?: number;
  /** clock for the timestamps written (events, conditions) */
  now?: () => Date;
  /** bindings in flight at once; default 64 */
  parallelBinds?: number;
  /** write a `Scheduled` Normal event per bound pod, as kube-scheduler does; default true */
  scheduledEvents?: boolean;
  /** queue back-off for unschedulable pods (ms); defaults 1 s and 10 s */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * informers shared with other components of the process (`kctl server`), so pods are cached
   * once; their creator stops them. Default: the scheduler creates and stops its own.
   */
  informers?: SharedInformers;
}

/** Counters, for logs, tests and the benchmark. */
export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  bindErrors: number;
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, unschedulable: 0, bindErrors: 0 };
  private readonly informers: SharedInformers;
  private readonly ownInformers: boolean;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly volumeLookup: VolumeLookup;
  /** claim key (ns/name) -> uids of the pods that wait for it to appear or be bound */
  private readonly claimWaiters = new Map<string, Set<string>>();
  /** unregister this scheduler's informer handlers (the informers may outlive it) */
  private readonly unregister: (() => void)[] = [];
  private readonly events: EventRecorder;
  private readonly random: () => number;
  private readonly now: () => Date;
  private readonly log: Logger;
  private readonly parallelBinds: number;
  private inflight = 0;
  private readonly bindsDone = new Set<Promise<void>>();
  private slotWaiter: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly cfg: SchedulerConfig) {
    this.log = cfg.logger;
    this.now = cfg.now ?? (() => new Date());
    this.random = seededRandom(cfg.seed ?? 1);
    this.parallelBinds = Math.max(1, cfg.parallelBinds ?? 64);
    this.queue = new SchedulingQueue({ initialBackoffMs: cfg.initialBackoffMs, maxBackoffMs: cfg.maxBackoffMs });
    this.ownInformers = cfg.informers === undefined;
    // Alone, the scheduler reads no index: skip their upkeep on each of 10,000s of pod events.
    this.informers = cfg.informers ?? new SharedInformers(cfg.client, this.log, { indexes: false });
    this.pods = this.informers.get<Pod>("Pod");
    this.nodes = this.informers.get<Node>("Node");
    this.claims = this.informers.get<PersistentVolumeClaim>("PersistentVolumeClaim");
    this.volumes = this.informers.get<PersistentVolume>("PersistentVolume");
    this.classes = this.informers.get<StorageClass>("StorageClass");
    this.volumeLookup = {
      claim: (ns, name) => this.claims.get(`${ns}/${name}`),
      volume: (name) => this.volumes.get(name),
      volumes: () => this.volumes.list(),
      storageClass: (name) => this.classes.get(name),
      hasNode: (name) => this.nodes.get(name) !== undefined,
    };
    // Events wait while a backlog of pods is being bound: bindings first, as the API server is
    // the shared bottleneck; what does not fit the event queue meanwhile is dropped.
    this.events = new EventRecorder({
      client: cfg.client,
      component: SCHEDULER_COMPONENT,
      instance: `${SCHEDULER_COMPONENT}-${hostname()}`,
      logger: this.log,
      now: this.now,
      paused: () => this.inflight > 0 && this.queue.hasActive(),
    });
  }

  /** Start the informers, wait for their first list, then run the loop in the background. */
  async start(): Promise<void> {
    const nodeHandlers = this.nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (old, cur) => {
        this.cache.setNode(cur);
        // Heart-beats change only timestamps: retry pending pods only when something that
        // filters can see has changed.
        if (nodeSchedulingChanged(old, cur)) this.queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => this.cache.removeNode(n.metadata.name ?? ""),
    });
    const podHandlers = this.pods.addEventHandler({
      onAdd: (p) => this.onPod(undefined, p),
      onUpdate: (old, cur) => this.onPod(old, cur),
      onDelete: (p) => this.onPodDeleted(p),
    });
    const claimHandlers = this.claims.addEventHandler({
      onAdd: (c) => this.claimReady(c),
      onUpdate: (old, cur) => {
        if (!old.spec.volumeName && cur.spec.volumeName) this.claimReady(cur);
      },
    });
    // A new or released static volume may fit pods that found none.
    const volumeHandlers = this.volumes.addEventHandler({
      onAdd: () => this.queue.moveAllToActiveOrBackoff(),
      onUpdate: (old, cur) => {
        if (old.status?.phase !== cur.status?.phase) this.queue.moveAllToActiveOrBackoff();
      },
    });
    this.unregister.push(nodeHandlers, podHandlers, claimHandlers, volumeHandlers);
    if (!(await this.informers.startAndSync())) throw new Error("scheduler: informers stopped before syncing");
    this.log.info({ nodes: this.cache.nodeCount, pending: this.queue.length }, "scheduler started");
    this.loop = this.run();
  }

  /** Stop scheduling, let the bindings in flight finish, stop the informers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.close();
    this.slotWaiter?.();
    await this.loop;
    await Promise.all([...this.bindsDone]);
    await this.events.flush();
    for (const u of this.unregister.splice(0)) u();
    if (this.ownInformers) await this.informers.stop();
  }

  // ------------------------------------------------------------------ informer handlers

  private onPod(old: Pod | undefined, pod: Pod): void {
    if (pod.spec?.nodeName) {
      this.cache.setPod(pod);
      this.queue.delete(pod.metadata.uid ?? "");
      // A pod that finished frees its node: pending pods may fit now.
      if (old && holdsResources(old) && !holdsResources(pod)) this.queue.moveAllToActiveOrBackoff();
      return;
    }
    const uid = pod.metadata.uid ?? "";
    if (this.cache.isAssumed(uid)) return; // being bound by us: the bound event will follow
    if (pod.metadata.deletionTimestamp || !holdsResources(pod) || !this.responsibleFor(pod)) {
      this.queue.delete(uid);
      return;
    }
    // Status-only updates (our own Unschedulable condition, for one) must not retry the pod.
    if (old && this.queue.has(uid) && !podSpecChanged(old, pod)) return;
    this.queue.add(buildPodInfo(pod));
  }

  private onPodDeleted(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    this.queue.delete(uid);
    if (this.cache.nodeOf(uid) !== undefined) {
      this.cache.deletePod(pod);
      this.queue.moveAllToActiveOrBackoff();
    }
  }

  /** A claim appeared or got bound: retry the pods waiting for it at once (not a fit failure, no back-off). */
  private claimReady(claim: PersistentVolumeClaim): void {
    const key = objectKey(claim);
    const waiters = this.claimWaiters.get(key);
    if (!waiters) return;
    this.claimWaiters.delete(key);
    for (const uid of waiters) this.queue.activate(uid);
  }

  private waitForClaims(uid: string, namespace: string, names: Iterable<string>): void {
    for (const name of names) {
      const key = `${namespace}/${name}`;
      let set = this.claimWaiters.get(key);
      if (!set) this.claimWaiters.set(key, (set = new Set()));
      set.add(uid);
    }
  }

  private responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName;
    return !name || name === SCHEDULER_COMPONENT;
  }

  // ------------------------------------------------------------------ the loop

  private async run(): Promise<void> {
    let sinceYield = 0;
    while (!this.stopped) {
      await this.acquireSlot();
      if (this.stopped) break;
      const next = await this.queue.pop();
      if (!next) break;
      try {
        this.scheduleOne(next.info);
      } catch (err) {
        this.log.error({ err, pod: next.info.key }, "scheduling attempt failed");
        this.queue.addBackoff(next.info.uid);
      }
      // Let watch events and bind responses in: the loop must not starve the event loop.
      if (++sinceYield >= 64) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }

  private scheduleOne(queued: PodInfo): void {
    const current = this.pods.get(queued.key);
    if (!current || current.metadata.uid !== queued.uid || current.spec?.nodeName || current.metadata.deletionTimestamp) {
      this.queue.delete(queued.uid);
      return;
    }
    this.stats.attempts++;
    const vols = podVolumes(current, this.volumeLookup);
    const ns = current.metadata.namespace ?? "default";
    if (vols.kind === "unschedulable") {
      // A claim is missing or not bound yet: retried as soon as it appears or gets bound.
      this.waitForClaims(queued.uid, ns, podClaimNames(current.spec));
      this.unschedulable(queued, current, `0/${this.cache.nodeCount} nodes are available: ${vols.message}.`);
      return;
    }
    const result = schedulePod(this.cache.resolve(queued), this.cache.nodeList(), this.random, vols.kind === "check" ? (n) => volumeFilter(vols, n) : undefined);
    if (!result.ok) {
      this.unschedulable(queued, current, result.message);
      return;
    }
    const node = result.node.name;
    if (vols.kind === "check" && vols.unbound.length > 0) {
      this.selectNodeForClaims(queued, vols, node);
      return;
    }
    this.cache.assume(queued, node);
    this.inflight++;
    const p = this.bind(queued, current, node).finally(() => {
      this.inflight--;
      this.bindsDone.delete(p);
      if (this.inflight === 0 || !this.queue.hasActive()) this.events.resume();
      const w = this.slotWaiter;
      this.slotWaiter = undefined;
      w?.();
    });
    this.bindsDone.add(p);
  }

  private unschedulable(queued: PodInfo, pod: Pod, message: string): void {
    this.stats.unschedulable++;
    this.queue.addUnschedulable(queued.uid);
    this.log.debug({ pod: queued.key, reason: message }, "pod is unschedulable");
    this.recordUnschedulable(pod, message);
  }

  /**
   * The pod fits `node` once its unbound claims are provisioned or bound there: write the node
   * on them (volume.kubernetes.io/selected-node, read by the volume binder) and park the pod
   * until they are bound; the next attempt then finds them bound to volumes pinned to the node.
   */
  private selectNodeForClaims(queued: PodInfo, vols: Extract<PodVolumes, { kind: "check" }>, node: string): void {
    const ns = queued.pod.metadata.namespace ?? "default";
    this.waitForClaims(queued.uid, ns, vols.unbound.map((u) => u.claim.metadata.name ?? ""));
    this.queue.waitForVolumes(queued.uid);
    for (const u of vols.unbound) {
      if (u.claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION] === node) continue;
      const name = u.claim.metadata.name ?? "";
      this.cfg.client
        .patch("PersistentVolumeClaim", name, { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: node } } }, { namespace: ns })
        .then(
          () => this.log.debug({ pod: queued.key, claim: `${ns}/${name}`, node }, "selected a node for the claim"),
          (err: unknown) => {
            this.log.warn({ err, pod: queued.key, claim: `${ns}/${name}` }, "could not select a node for the claim; will retry");
            this.queue.activate(queued.uid);
          },
        );
    }
  }

  private async bind(info: PodInfo, pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata.namespace ?? "default";
    const name = pod.metadata.name ?? "";
    try {
      await this.cfg.client.bind(ns, name, node, info.uid);
      this.stats.scheduled++;
      this.queue.done(info.uid);
      this.log.debug({ pod: info.key, node }, "bound");
      if (this.cfg.scheduledEvents !== false) {
        this.events.event(pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${node}`);
      }
    } catch (err) {
      this.stats.bindErrors++;
      this.cache.forget(info.uid);
      if (isNotFound(err) || isConflict(err)) {
        // Deleted, or bound by someone else meanwhile: the informer tells the rest.
        this.queue.delete(info.uid);
        this.log.debug({ pod: info.key, node, err }, "binding rejected");
      } else {
        this.queue.addBackoff(info.uid);
        this.log.warn({ pod: info.key, node, err }, "binding failed; will retry");
      }
      this.queue.moveAllToActiveOrBackoff(); // the node got its room back
    }
  }

  private acquireSlot(): Promise<void> {
    if (this.inflight < this.parallelBinds || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.slotWaiter = resolve;
    });
  }

  // ------------------------------------------------------------------ unschedulable pods

  /** PodScheduled=False/Unschedulable with the message (written only when it changes), and an Event. */
  private recordUnschedulable(pod: Pod, message: string): void {
    this.events.event(pod, "Warning", "FailedScheduling", message);
    const conditions = pod.status?.conditions ?? [];
    const prev = conditions.find((c) => c.type === "PodScheduled");
    if (prev && prev.status === "False" && prev.reason === "Unschedulable" && prev.message === message) return;
    const cond: PodCondition = {
      type: "PodScheduled",
      status: "False",
      lastProbeTime: null,
      lastTransitionTime: prev?.status === "False" && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(this.now()),
      reason: "Unschedulable",
      message,
    };
    const status = { phase: pod.status?.phase ?? "Pending", conditions: [...conditions.filter((c) => c.type !== "PodScheduled"), cond] };
    this.cfg.client
      .patch("Pod", pod.metadata.name ?? "", { status }, { namespace: pod.metadata.namespace, subresource: "status" })
      .catch((err: unknown) => {
        if (!isNotFound(err)) this.log.debug({ err, pod: objectKey(pod) }, "could not write the PodScheduled condition");
      });
  }
}

/** Did anything the filters look at change between two versions of a Node? */
export function nodeSchedulingChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === "Ready")?.status;
  const network = (n: Node) => n.status?.conditions?.find((c) => c.type === "NetworkUnavailable")?.status;
  return (
    ready(a) !== ready(b) ||
    network(a) !== network(b) ||
    (a.spec?.unschedulable ?? false) !== (b.spec?.unschedulable ?? false) ||
    JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.status?.allocatable ?? a.status?.capacity ?? {}) !== JSON.stringify(b.status?.allocatable ?? b.status?.capacity ?? {})
  );
}

/** Did the parts of a Pod that scheduling depends on change (not just its status)? */
export function podSpecChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.metadata.ownerReferences ?? []) !== JSON.stringify(b.metadata.ownerReferences ?? [])
  );
}
