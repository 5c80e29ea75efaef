/**
 * The cache of node allocations: for every node, the sum of what its pods request, the host ports
 * they hold, how many replicas of each owner it runs. Built from every bound pod the informer
 * shows, plus the pods the scheduler has *assumed* onto a node and is still binding.
 *
 *   decide -> assume(pod, node)  -- counted at once, so the next decision sees it
 *          -> bind ... ok        -- the watch then shows the pod bound: confirm (no double count)
 *          -> bind ... failed    -- forget(pod): the node gets its room back
 */
import type { Node, Pod } from "../lib/types.js";
import { portKey } from "./plugins/node-ports.js";
import { buildPodInfo, emptyNodeInfo, setNodeFields } from "./pod-info.js";
import type { NodeInfo, PodInfo } from "./types.js";

interface PodState {
  info: PodInfo;
  nodeName: string;
  /** counted because we chose the node, not because the API says so (yet) */
  assumed: boolean;
}

/** Does a pod in this phase hold resources on its node? Finished pods do not. */
export function holdsResources(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

export class SchedulerCache {
  /** Every node name we know pods for, including nodes whose Node object we have not seen. */
  private readonly infos = new Map<string, NodeInfo>();
  /** Names whose Node object exists: only those are scheduling candidates. */
  private readonly present = new Set<string>();
  private readonly pods = new Map<string, PodState>();
  private list: NodeInfo[] | undefined;
  /** owner uid -> small integer id, while the cache holds pods of that owner */
  private readonly ownerIds = new Map<string, number>();
  private readonly ownerPods = new Map<number, number>();
  private nextOwnerId = 0;

  /**
   * Fill in `info.ownerId` before a decision: the id under which nodes count this owner's pods,
   * or -1 when the cache holds none of them (then no node has a replica: spread is neutral).
   */
  resolve(info: PodInfo): PodInfo {
    info.ownerId = info.ownerUid === undefined ? -1 : (this.ownerIds.get(info.ownerUid) ?? -1);
    return info;
  }

  /** The candidate nodes, in a stable (name) order. Rebuilt only when the node set changes. */
  nodeList(): readonly NodeInfo[] {
    if (!this.list) {
      this.list = [...this.present].sort().map((n) => this.infos.get(n)!);
    }
    return this.list;
  }

  node(name: string): NodeInfo | undefined {
    return this.present.has(name) ? this.infos.get(name) : undefined;
  }

  get nodeCount(): number {
    return this.present.size;
  }

  /** Add or update a Node. */
  setNode(node: Node): void {
    const name = node.metadata.name ?? "";
    let info = this.infos.get(name);
    if (!info) {
      info = emptyNodeInfo(name);
      this.infos.set(name, info);
    }
    setNodeFields(info, node);
    if (!this.present.has(name)) {
      this.present.add(name);
      this.list = undefined;
    }
  }

  /** Remove a Node; its pods stay counted under the name until they go, as kube-scheduler does. */
  removeNode(name: string): void {
    if (this.present.delete(name)) this.list = undefined;
    const info = this.infos.get(name);
    if (info && info.pods.size === 0) this.infos.delete(name);
  }

  /** A pod seen through the API (added or updated). Bound pods are counted on their node. */
  setPod(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    const nodeName = pod.spec?.nodeName;
    const prev = this.pods.get(uid);
    if (!nodeName || !holdsResources(pod)) {
      // Unbound: keep an assumption (the bind is in flight); a finished pod frees its node.
      if (prev && (!prev.assumed || nodeName)) this.removeState(uid, prev);
      return;
    }
    if (prev) this.removeState(uid, prev);
    this.addState(uid, { info: buildPodInfo(pod), nodeName, assumed: false });
  }

  /** A pod deleted through the API. */
  deletePod(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    const prev = this.pods.get(uid);
    if (prev) this.removeState(uid, prev);
  }

  /** Count `info` on `nodeName` before the bind call returns. */
  assume(info: PodInfo, nodeName: string): void {
    const prev = this.pods.get(info.uid);
    if (prev) this.removeState(info.uid, prev);
    this.addState(info.uid, { info, nodeName, assumed: true });
  }

  /** Undo an assumption whose bind failed. A pod the API already shows bound is left alone. */
  forget(uid: string): void {
    const prev = this.pods.get(uid);
    if (prev?.assumed) this.removeState(uid, prev);
  }

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed === true;
  }

  /** Where the cache counts a pod, if anywhere. */
  nodeOf(uid: string): string | undefined {
    return this.pods.get(uid)?.nodeName;
  }

  private addState(uid: string, st: PodState): void {
    const owner = st.info.ownerUid;
    if (owner !== undefined) {
      let id = this.ownerIds.get(owner);
      if (id === undefined) this.ownerIds.set(owner, (id = this.nextOwnerId++));
      this.ownerPods.set(id, (this.ownerPods.get(id) ?? 0) + 1);
      st.info.ownerId = id;
    }
    this.pods.set(uid, st);
    let n = this.infos.get(st.nodeName);
    if (!n) {
      n = emptyNodeInfo(st.nodeName);
      this.infos.set(st.nodeName, n);
    }
    applyPod(n, st.info, +1);
  }

  private removeState(uid: string, st: PodState): void {
    this.pods.delete(uid);
    const n = this.infos.get(st.nodeName);
    if (!n) return; // cannot happen: addState always creates the node entry
    applyPod(n, st.info, -1);
    if (n.pods.size === 0 && !this.present.has(st.nodeName)) this.infos.delete(st.nodeName);
    const owner = st.info.ownerUid;
    const id = st.info.ownerId;
    if (owner !== undefined && id >= 0) {
      const left = (this.ownerPods.get(id) ?? 1) - 1;
      if (left > 0) this.ownerPods.set(id, left);
      else {
        this.ownerPods.delete(id);
        this.ownerIds.delete(owner);
      }
    }
  }
}

/** Add (`sign` +1) or remove (-1) a pod's requests, ports and owner count on a node. */
function applyPod(n: NodeInfo, p: PodInfo, sign: 1 | -1): void {
  n.requested.milliCpu += sign * p.requests.milliCpu;
  n.requested.memory += sign * p.requests.memory;
  n.nonZeroRequested.milliCpu += sign * p.nonZeroRequests.milliCpu;
  n.nonZeroRequested.memory += sign * p.nonZeroRequests.memory;
  n.podCount += sign;
  if (sign > 0) n.pods.set(p.uid, p);
  else n.pods.delete(p.uid);
  if (p.ownerId >= 0) {
    const c = (n.ownerCounts.get(p.ownerId) ?? 0) + sign;
    if (c > 0) n.ownerCounts.set(p.ownerId, c);
    else n.ownerCounts.delete(p.ownerId);
  }
  for (const hp of p.hostPorts) {
    const key = portKey(hp);
    const ips = n.usedPorts.get(key) ?? [];
    if (sign > 0) {
      ips.push(hp.ip);
      n.usedPorts.set(key, ips);
    } else {
      const i = ips.indexOf(hp.ip);
      if (i >= 0) ips.splice(i, 1);
      if (ips.length === 0) n.usedPorts.delete(key);
    }
  }
}
