/**
 * Node registration and heart-beats: creates or updates this node's Node object (capacity,
 * allocatable, addresses, labels, taints, nodeInfo, daemon endpoint), then every heartbeat sets
 * the Ready condition's lastHeartbeatTime and renews the node's Lease in kube-node-lease.
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

/** Registers the node and keeps its heart beating. */
export class NodeStatusReporter {
  private facts: NodeFacts;

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

  /** One heart-beat: node status (Ready + lastHeartbeatTime) and the Lease. */
  async heartbeat(): Promise<void> {
    await Promise.all([this.postStatus(), this.renewLease()]);
  }

  private async postStatus(node?: Node): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const cur = node ?? (await this.client.get<Node>("Node", this.facts.nodeName));
        node = undefined;
        const now = new Date().toISOString();
        const runtimeUp = this.runtimeHealthy();
        const network = this.networkNotReady();
        const ready = runtimeUp && network === undefined;
        const status: NodeStatus = {
          ...(cur.status ?? {}),
          ...nodeStatusBase(this.facts),
          conditions: [...nodeConditions(cur.status?.conditions, ready, now, runtimeUp ? `container runtime network not ready: ${network ?? ""}` : undefined), ...this.extraConditions(cur.status?.conditions, now)],
        };
        await this.client.updateStatus<Node>({ ...cur, status });
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
    try {
      const lease = await this.client.get<Lease>("Lease", name, NODE_LEASE_NAMESPACE);
      await this.client.update<Lease>({ ...lease, spec: { ...lease.spec, holderIdentity: name, leaseDurationSeconds: 40, renewTime } });
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
        await this.client.create(lease, NODE_LEASE_NAMESPACE);
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
