/**
 * Node registration and heart-beats, as Kubernetes' kubelet does them since node leases: creates
 * or updates this node's Node object (capacity, allocatable, addresses, labels, taints, nodeInfo,
 * daemon endpoint); every heartbeat renews the node's Lease in kube-node-lease (one PUT of the
 * lease it last wrote); the Node's status is read every `statusCheckMs` and written only when it
 * changed (readiness, facts, a Ready condition someone else set) or `statusReportMs` passed, so
 * a quiet node costs one small write per beat and every node watcher sees no Node event at all.
 */
import os from "node:os";
import type { ApiClient } from "../lib/client.js";
import { isAlreadyExists, isConflict, isNotFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Lease, Node, NodeCondition, NodeStatus, Taint } from "../lib/types.js";
import type { RuntimeVersion } from "./runtime/types.js";
import { NODE_LEASE_NAMESPACE } from "../lib/well-known.js";
import { rfc3339Micro } from "../lib/timestamps.js";

/** The kubelet version kctl reports. */
export const KUBELET_VERSION = "v1.30.0-kctl";
/** The namespace of node Leases. */
export { NODE_LEASE_NAMESPACE };


/** Kubernetes' architecture name for Node's os.arch(). */
export function goArch(arch: string = os.arch()): string {
  return ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[arch] ?? arch;
}

/** What the node reports about itself. */
export interface NodeFacts {
  nodeName: string;
  nodeIP: string;
  labels: Record<string, string>;
  /** annotations the node publishes (its local-path directory) */
  annotations?: Record<string, string>;
  taints: Taint[];
  capacity: { cpu?: string; memory?: string; pods?: number };
  runtime: RuntimeVersion;
  kubeletPort?: number;
}

/** Labels every node carries, plus the user's. */
export function nodeLabels(f: NodeFacts): Record<string, string> {
  return {
    "kubernetes.io/hostname": f.nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(),
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": goArch(),
    ...f.labels,
  };
}

/** The node status minus conditions. */
export function nodeStatusBase(f: NodeFacts): NodeStatus {
  const capacity = {
    cpu: f.capacity.cpu ?? String(os.cpus().length),
    memory: f.capacity.memory ?? `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: String(f.capacity.pods ?? 110),
    "ephemeral-storage": "20Gi",
  };
  return {
    capacity,
    allocatable: { ...capacity },
    addresses: [
      { type: "InternalIP", address: f.nodeIP },
      { type: "Hostname", address: f.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort ?? 0 } },
    nodeInfo: {
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      containerRuntimeVersion: f.runtime.runtimeVersion,
      operatingSystem: "linux",
      architecture: goArch(),
      kernelVersion: f.runtime.kernelVersion || os.release(),
      osImage: f.runtime.osImage,
      machineID: "",
      systemUUID: "",
      bootID: "",
    },
  };
}

/** The node conditions at `now`; transitions keep their time unless the status flips. */
export function nodeConditions(old: readonly NodeCondition[] | undefined, ready: boolean, now: string, message?: string): NodeCondition[] {
  const make = (type: string, status: "True" | "False", reason: string, msg: string): NodeCondition => {
    const prev = old?.find((c) => c.type === type);
    return {
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
      reason,
      message: msg,
    };
  };
  return [
    make("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    make("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    make("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ready
      ? make("Ready", "True", "KubeletReady", "kubelet is posting ready status")
      : make("Ready", "False", "KubeletNotReady", message ?? "container runtime is down"),
  ];
}

/** How often the node's status is read (Kubernetes' nodeStatusUpdateFrequency) and at least written (nodeStatusReportFrequency). */
export interface StatusTiming {
  statusCheckMs: number;
  statusReportMs: number;
}

/** Kubernetes' defaults are 10 s and 5 min; a lab's status is refreshed every minute. */
export const DEFAULT_STATUS_TIMING: StatusTiming = { statusCheckMs: 10_000, statusReportMs: 60_000 };

/** Registers the node and keeps its heart beating. */
export class NodeStatusReporter {
  private facts: NodeFacts;
  /** the Lease as last written: the next renewal updates it without reading it first */
  private lease: Lease | undefined;
  private lastCheck = 0;
  private lastPost = 0;
  private lastReady: boolean | undefined;

  constructor(
    private readonly client: ApiClient,
    facts: NodeFacts,
    private readonly logger: Logger,
    /** is the container runtime answering? */
    private readonly runtimeHealthy: () => boolean = () => true,
    /** conditions reported besides the kubelet's own (NetworkUnavailable from ./network/) */
    private readonly extraConditions: (old: readonly NodeCondition[] | undefined, now: string) => NodeCondition[] = () => [],
    /** why the pod network is not ready (Ready=False, as Kubernetes' "network plugin not ready"), or undefined */
    private readonly networkNotReady: () => string | undefined = () => undefined,
    private readonly timing: StatusTiming = DEFAULT_STATUS_TIMING,
  ) {
    this.facts = facts;
  }

  /** Update what is reported (e.g. the kubelet server's port once known). */
  setFacts(patch: Partial<NodeFacts>): void {
    this.facts = { ...this.facts, ...patch };
  }

  /** Create the Node, or bring an existing one's labels and taints up to date; then post status. */
  async register(): Promise<void> {
    const f = this.facts;
    const labels = nodeLabels(f);
    let node: Node;
    try {
      node = await this.client.get<Node>("Node", f.nodeName);
      const missingTaints = f.taints.filter((t) => !(node.spec?.taints ?? []).some((x) => x.key === t.key && x.effect === t.effect));
      const labelsDiffer = Object.entries(labels).some(([k, v]) => node.metadata.labels?.[k] !== v);
      const annotations = f.annotations ?? {};
      const annotationsDiffer = Object.entries(annotations).some(([k, v]) => node.metadata.annotations?.[k] !== v);
      if (missingTaints.length || labelsDiffer || annotationsDiffer) {
        node = await this.client.update<Node>({
          ...node,
          metadata: { ...node.metadata, labels: { ...(node.metadata.labels ?? {}), ...labels }, annotations: { ...(node.metadata.annotations ?? {}), ...annotations } },
          spec: { ...(node.spec ?? {}), taints: [...(node.spec?.taints ?? []), ...missingTaints] },
        });
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        node = await this.client.create<Node>({
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: f.nodeName, labels, ...(f.annotations ? { annotations: f.annotations } : {}) },
          spec: f.taints.length ? { taints: f.taints } : {},
        });
      } catch (e2) {
        if (!isAlreadyExists(e2)) throw e2;
        node = await this.client.get<Node>("Node", f.nodeName);
      }
      this.logger.info({ node: f.nodeName }, "registered node");
    }
    await this.postStatus(node);
  }

  /** One heart-beat: the Lease, and the node status when it is due for a check (or readiness changed). */
  async heartbeat(): Promise<void> {
    const ready = this.runtimeHealthy() && this.networkNotReady() === undefined;
    const due = Date.now() - this.lastCheck >= this.timing.statusCheckMs || ready !== this.lastReady;
    await Promise.all([due ? this.postStatus(undefined, false) : undefined, this.renewLease()]);
  }

  /** Check the status now and write it if it changed (the pod network's state moved). */
  async reportNow(): Promise<void> {
    await this.postStatus(undefined, false);
  }

  /** Write the node's status; unless `force`, only if it changed or the report period passed. */
  private async postStatus(node?: Node, force = true): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const cur = node ?? (await this.client.get<Node>("Node", this.facts.nodeName));
        node = undefined;
        const nowMs = Date.now();
        const now = new Date(nowMs).toISOString();
        const runtimeUp = this.runtimeHealthy();
        const network = this.networkNotReady();
        const ready = runtimeUp && network === undefined;
        const status: NodeStatus = {
          ...(cur.status ?? {}),
          ...nodeStatusBase(this.facts),
          conditions: [...nodeConditions(cur.status?.conditions, ready, now, runtimeUp ? `container runtime network not ready: ${network ?? ""}` : undefined), ...this.extraConditions(cur.status?.conditions, now)],
        };
        this.lastCheck = nowMs;
        this.lastReady = ready;
        if (!force && nowMs - this.lastPost < this.timing.statusReportMs && sameStatus(cur.status, status)) return;
        await this.client.updateStatus<Node>({ ...cur, status });
        this.lastPost = nowMs;
        return;
      } catch (e) {
        if (isNotFound(e)) {
          this.logger.warn({ node: this.facts.nodeName }, "node object is gone; registering again");
          await this.register();
          return;
        }
        if (!isConflict(e)) throw e;
      }
    }
  }

  private async renewLease(): Promise<void> {
    const name = this.facts.nodeName;
    const renewTime = rfc3339Micro(new Date());
    const renewed = (l: Lease): Lease => ({ ...l, spec: { ...l.spec, holderIdentity: name, leaseDurationSeconds: 40, renewTime } });
    if (this.lease) {
      try {
        this.lease = await this.client.update<Lease>(renewed(this.lease));
        return;
      } catch (e) {
        // Changed or deleted by someone else: read it again below.
        this.lease = undefined;
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
    try {
      const lease = await this.client.get<Lease>("Lease", name, NODE_LEASE_NAMESPACE);
      this.lease = await this.client.update<Lease>(renewed(lease));
    } catch (e) {
      if (!isNotFound(e)) {
        if (!isConflict(e)) throw e;
        return; // someone else renewed meanwhile; the next beat wins
      }
      const lease: Lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace: NODE_LEASE_NAMESPACE },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime, acquireTime: renewTime },
      };
      try {
        this.lease = await this.client.create<Lease>(lease, NODE_LEASE_NAMESPACE);
      } catch (e2) {
        if (isAlreadyExists(e2)) return;
        if (isNotFound(e2)) {
          await this.client
            .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NODE_LEASE_NAMESPACE } })
            .catch(() => undefined);
          await this.client.create(lease, NODE_LEASE_NAMESPACE).catch(() => undefined);
          return;
        }
        throw e2;
      }
    }
  }
}

/** Whether two statuses say the same, ignoring heartbeat and probe times. */
function sameStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  const strip = (st: NodeStatus | undefined) =>
    JSON.stringify({ ...(st ?? {}), conditions: (st?.conditions ?? []).map(({ lastHeartbeatTime: _h, lastTransitionTime: _t, ...c }) => c) });
  return strip(a) === strip(b);
}
