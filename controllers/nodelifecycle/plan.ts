/**
 * The node lifecycle controller's pure decisions: which nodes stopped heart-beating, what their
 * conditions and taints become, and which of their pods to evict when.
 *
 * Heartbeats are judged by *our* clock, as Kubernetes does: we note when we last saw a node's
 * heartbeat value change (Ready.lastHeartbeatTime or its Lease's renewTime), so a node whose clock
 * is off does not look dead or alive.
 */
import type { Lease, Node, NodeCondition, Pod, Taint } from "../../lib/types.js";
import { isTerminating } from "../util/pods.js";

export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
/** Conditions the kubelet owns; all go Unknown when it falls silent. */
const KUBELET_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/** What we remember about one node between syncs. */
export interface NodeHealth {
  /** the last heartbeat value we saw (ISO time from the node or its lease) */
  heartbeat?: string;
  /** when (our clock, ms) we saw it change */
  probeMs: number;
}

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
  evictionTimeoutMs: number;
}

/** The node's latest heartbeat: its Ready condition's lastHeartbeatTime or its Lease's renewTime, whichever is later. */
export function observedHeartbeat(node: Node, lease: Lease | undefined): string | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime;
  const renew = lease?.spec.renewTime;
  if (!ready) return renew;
  if (!renew) return ready;
  return Date.parse(renew) > Date.parse(ready) ? renew : ready;
}

/** Update our memory of a node's health after seeing it at `nowMs`. */
export function observe(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, nowMs: number): NodeHealth {
  const hb = observedHeartbeat(node, lease);
  // First sight (including a controller restart) gives a full grace period, as Kubernetes.
  if (!prev || prev.heartbeat !== hb) return { heartbeat: hb, probeMs: nowMs };
  return prev;
}

/** The decision for one node. */
export interface NodePlan {
  /** new status.conditions, when they change */
  conditions?: NodeCondition[];
  /** new spec.taints, when they change */
  taints?: Taint[];
  /** pods to mark not ready (the node went silent) */
  markNotReady: Pod[];
  /** pods to delete now */
  evict: Pod[];
  /** re-check this node after this many ms */
  requeueAfterMs?: number;
  /** the node just went silent (for an event) */
  becameUnknown: boolean;
  /** the node came back Ready (for an event) */
  becameReady: boolean;
}

function tolerationSeconds(pod: Pod, taint: Taint): number | undefined | null {
  // undefined: not tolerated; null: tolerated forever; number: tolerated that long
  for (const t of pod.spec.tolerations ?? []) {
    if (t.effect && t.effect !== taint.effect) continue;
    const matchesKey = t.operator === "Exists" ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    if (!matchesKey) continue;
    return t.tolerationSeconds === undefined ? null : t.tolerationSeconds;
  }
  return undefined;
}

/**
 * Plan one node. `pods` are the pods bound to it. The eviction clock starts at the NoExecute
 * taint's timeAdded; a pod that tolerates the taint for N seconds stays N seconds instead, and
 * one that tolerates it forever stays.
 */
export function planNode(node: Node, health: NodeHealth, pods: readonly Pod[], nowMs: number, opts: NodeLifecycleOptions): NodePlan {
  const now = new Date(nowMs).toISOString();
  const out: NodePlan = { markNotReady: [], evict: [], becameUnknown: false, becameReady: false };
  const conds = node.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === "Ready");
  const silentFor = nowMs - health.probeMs;
  let readyStatus = ready?.status;

  if (silentFor > opts.gracePeriodMs) {
    if (ready?.status !== "Unknown") {
      const next: NodeCondition[] = conds.filter((c) => !KUBELET_CONDITIONS.includes(c.type));
      for (const type of KUBELET_CONDITIONS) {
        const cur = conds.find((c) => c.type === type);
        if (!cur && type !== "Ready") continue;
        next.push({
          type,
          status: "Unknown",
          reason: cur ? "NodeStatusUnknown" : "NodeStatusNeverUpdated",
          message: cur ? "Kubelet stopped posting node status." : "Kubelet never posted node status.",
          lastHeartbeatTime: cur?.lastHeartbeatTime,
          lastTransitionTime: now,
        });
      }
      out.conditions = next.sort((a, b) => KUBELET_CONDITIONS.indexOf(a.type) - KUBELET_CONDITIONS.indexOf(b.type));
      out.becameUnknown = true;
      out.markNotReady = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status !== "False"));
    }
    readyStatus = "Unknown";
  } else {
    out.requeueAfterMs = opts.gracePeriodMs - silentFor + 1;
  }

  // Taints follow the Ready condition (Kubernetes' taint-based evictions).
  const taints = node.spec?.taints ?? [];
  const others = taints.filter((t) => t.key !== UNREACHABLE_TAINT && t.key !== NOT_READY_TAINT);
  let wanted: string | undefined;
  if (readyStatus === "Unknown") wanted = UNREACHABLE_TAINT;
  else if (readyStatus === "False") wanted = NOT_READY_TAINT;
  const keep = (key: string, effect: Taint["effect"]): Taint => taints.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now };
  const nextTaints = wanted ? [...others, keep(wanted, "NoSchedule"), keep(wanted, "NoExecute")] : others;
  const same = nextTaints.length === taints.length && nextTaints.every((t) => taints.some((u) => u.key === t.key && u.effect === t.effect));
  if (!same) out.taints = nextTaints;
  if (readyStatus === "True" && taints.some((t) => t.key === UNREACHABLE_TAINT || t.key === NOT_READY_TAINT)) out.becameReady = true;

  if (wanted) {
    const noExecute = nextTaints.find((t) => t.key === wanted && t.effect === "NoExecute")!;
    const since = Date.parse(noExecute.timeAdded ?? now);
    for (const pod of pods) {
      if (isTerminating(pod)) continue;
      const tolerated = tolerationSeconds(pod, noExecute);
      if (tolerated === null) continue;
      const limitMs = tolerated === undefined ? opts.evictionTimeoutMs : tolerated * 1000;
      const left = since + limitMs - nowMs;
      if (left <= 0) out.evict.push(pod);
      else out.requeueAfterMs = Math.min(out.requeueAfterMs ?? Infinity, left + 1);
    }
  }
  return out;
}
