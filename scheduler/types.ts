/**
 * The scheduler's precomputed views of pods and nodes. Every quantity is parsed once, when a pod or
 * node enters the cache, into plain numbers (milli-cores, bytes), so that the filter and score
 * loops that run `nodes x pods` times do nothing but integer comparisons and map lookups.
 */
import type { Labels, Node, NodeSelectorTerm, Pod, Taint, Toleration } from "../lib/types.js";

/** CPU in milli-cores and memory in bytes. Numbers, because bytes of any real node fit in 2^53. */
export interface Resources {
  milliCpu: number;
  memory: number;
}

/** One host port a pod asks for. `ip` is "0.0.0.0" when the pod did not pin an address. */
export interface HostPort {
  protocol: string;
  port: number;
  ip: string;
}

/** A pod, as the scheduler needs it. Built by `buildPodInfo` (pod-info.ts). */
export interface PodInfo {
  /** namespace/name */
  key: string;
  uid: string;
  pod: Pod;
  /** spec.priority, 0 when unset */
  priority: number;
  /** What the pod asks for: what NodeResourcesFit checks against allocatable. */
  requests: Resources;
  /** Requests with Kubernetes' non-zero defaults (100m, 200Mi) filled in: what scoring counts. */
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
  /** spec.nodeSelector as pairs, or empty */
  nodeSelector: [string, string][];
  /** required node affinity terms (one must match), undefined without */
  requiredNodeTerms?: NodeSelectorTerm[];
  tolerations: Toleration[];
  /** uid of the controller ownerReference (the spread term groups replicas by it) */
  ownerUid?: string;
  /**
   * The cache's small-integer id for `ownerUid` (-1: no owner, or none of its pods is placed).
   * Set by `SchedulerCache.resolve`; integer keys make the per-node spread lookup cheap.
   */
  ownerId: number;
}

/** A node with everything already assigned to it (bound and assumed pods). Owned by the cache. */
export interface NodeInfo {
  name: string;
  node: Node;
  labels: Labels;
  /** Ready condition is True */
  ready: boolean;
  /** NetworkUnavailable condition is True (the node's pod network is not set up) */
  networkUnavailable: boolean;
  /** spec.unschedulable (cordoned) */
  unschedulable: boolean;
  /** Only the taints that can keep a pod away (NoSchedule, NoExecute). */
  taints: Taint[];
  allocatable: Resources & { pods: number };
  /** Sum of requests of the pods on the node. */
  requested: Resources;
  /** Sum of non-zero requests: what MostAllocated scores. */
  nonZeroRequested: Resources;
  podCount: number;
  /** "TCP/8080" -> the host IPs it is used on */
  usedPorts: Map<string, string[]>;
  /** owner id (PodInfo.ownerId) -> number of its pods on this node */
  ownerCounts: Map<number, number>;
  /** uid -> pod, for removal and for drain-like questions */
  pods: Map<string, PodInfo>;
}

/**
 * A filter's verdict: `null` when the pod fits, otherwise the reasons it does not
 * (kube-scheduler's strings, such as "Insufficient cpu"). A list because one node can fail for
 * several reasons at once, and each is counted in the FailedScheduling message.
 */
export type FilterResult = null | readonly string[];

/** A filter plugin: a pure function of the pod and one node. */
export type FilterPlugin = (pod: PodInfo, node: NodeInfo) => FilterResult;

/** A score plugin: a pure function returning 0..100 (MaxNodeScore), higher is better. */
export type ScorePlugin = (pod: PodInfo, node: NodeInfo) => number;

/** A filter's reasons as one frozen constant, so that the hot loop never allocates. */
export function reasons(...r: string[]): readonly string[] {
  return Object.freeze(r);
}
