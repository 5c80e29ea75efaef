/**
 * The node lifecycle controller: watches node heartbeats (Ready condition and Leases in
 * kube-node-lease), marks silent nodes Ready=Unknown with the unreachable taints, evicts their
 * pods after the eviction timeout (so their controllers replace them elsewhere), and lifts the
 * taints when the node comes back. Pods bound to a node that no longer exists are force-deleted
 * (Kubernetes' pod GC).
 */
import { isConflict, isNotFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { Lease, Node, Pod } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { planNode, observe, type NodeHealth } from "./plan.js";
import { NODE_LEASE_NAMESPACE } from "../../lib/well-known.js";

export const NODE_LIFECYCLE_CONTROLLER = "node-lifecycle-controller";
export const LEASE_NAMESPACE = NODE_LEASE_NAMESPACE;
const BY_NODE = "nodeName";

export interface NodeLifecycleConfig {
  gracePeriodMs: number;
  evictionTimeoutMs: number;
}

/** Build the node lifecycle controller; the returned `monitor` timer re-checks all nodes periodically. */
export function newNodeLifecycleController(ctx: ControllerContext, cfg: NodeLifecycleConfig): { controller: Controller; startMonitor(): () => void } {
  const nodeInformer = ctx.informers.get<Node>("Node");
  const leaseInformer = ctx.informers.get<Lease>("Lease");
  const podInformer = ctx.informers.get<Pod>("Pod");
  try {
    podInformer.addIndex(BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  } catch {
    // another controller of this manager already added it
  }
  const recorder = ctx.recorder(NODE_LIFECYCLE_CONTROLLER);
  const health = new Map<string, NodeHealth>();
  const controller = new Controller({ name: NODE_LIFECYCLE_CONTROLLER, logger: ctx.logger, workers: ctx.workers, reconcile: (k, l) => reconcile(k, l) });

  nodeInformer.addEventHandler({
    onAdd: (n) => controller.enqueue(n.metadata.name ?? ""),
    onUpdate: (_o, n) => controller.enqueue(n.metadata.name ?? ""),
    onDelete: (n) => controller.enqueue(n.metadata.name ?? ""),
  });
  leaseInformer.addEventHandler({
    onAdd: (l) => l.metadata.namespace === LEASE_NAMESPACE && controller.enqueue(l.metadata.name ?? ""),
    onUpdate: (_o, l) => l.metadata.namespace === LEASE_NAMESPACE && controller.enqueue(l.metadata.name ?? ""),
  });

  async function reconcile(name: string, log: Logger): Promise<ReconcileResult | void> {
    const node = nodeInformer.get(name);
    const nowMs = ctx.now().getTime();
    const pods = podInformer.byIndex(BY_NODE, name);
    if (!node) {
      health.delete(name);
      return collectOrphanPods(name, pods, log);
    }
    const lease = leaseInformer.get(`${LEASE_NAMESPACE}/${name}`);
    const h = observe(health.get(name), node, lease, nowMs);
    health.set(name, h);
    const plan = planNode(node, h, pods, nowMs, { gracePeriodMs: cfg.gracePeriodMs, evictionTimeoutMs: cfg.evictionTimeoutMs });

    if (plan.conditions) {
      try {
        await ctx.client.updateStatus<Node>({ ...node, status: { ...(node.status ?? {}), conditions: plan.conditions } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err; // a Conflict means the kubelet just wrote: re-plan
      }
      recorder.event(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      log.info("node stopped posting status; marked Ready=Unknown");
    }
    if (plan.taints) {
      await ctx.client.patch<Node>("Node", name, { spec: { taints: plan.taints.length ? plan.taints : null } });
      if (plan.becameReady) recorder.event(node, "Normal", "NodeReady", `Node ${name} status is now: NodeReady`);
    }
    for (const pod of plan.markNotReady) await markPodNotReady(pod);
    for (const pod of plan.evict) {
      try {
        await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
        recorder.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    if (plan.evict.length) log.info({ evicted: plan.evict.length }, "evicted pods from unreachable node");
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  async function markPodNotReady(pod: Pod): Promise<void> {
    const now = ctx.now().toISOString();
    const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === "Ready" ? { ...c, status: "False" as const, lastTransitionTime: now, reason: "NodeNotReady" } : c));
    try {
      await ctx.client.updateStatus<Pod>({ ...pod, status: { ...(pod.status ?? {}), conditions } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Pods bound to a node that is really gone can never be confirmed terminated: force-delete them. */
  async function collectOrphanPods(name: string, pods: Pod[], log: Logger): Promise<void> {
    if (pods.length === 0) return;
    try {
      await ctx.client.get<Node>("Node", name);
      return; // the cache is behind; the node exists
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    for (const pod of pods) {
      try {
        await ctx.client.delete("Pod", pod.metadata.name ?? "", { namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    log.info({ pods: pods.length }, "deleted pods bound to a deleted node");
  }

  /** Re-check every node periodically: heartbeats are judged by time passing, not only by events. */
  const startMonitor = (): (() => void) => {
    const period = Math.max(100, Math.min(5000, cfg.gracePeriodMs / 4));
    const t = setInterval(() => {
      for (const n of nodeInformer.keys()) controller.enqueue(n);
    }, period);
    t.unref();
    return () => clearInterval(t);
  };
  return { controller, startMonitor };
}
