/**
 * The objects a simulated node writes: its Node (labels, capacity, Ready condition, fake
 * addresses), its Lease, and the status that makes a pod look Running and Ready. Pure functions
 * of their inputs and the time, so they are easy to test and reason about.
 */
import type { Lease, Node, NodeCondition, Pod, PodStatus } from "../lib/types.js";
import { NODE_LEASE_NAMESPACE, SIMULATED_LABEL } from "../lib/well-known.js";
import { LOCAL_PATH_DIR_ANNOTATION } from "../lib/storage.js";

/** Label on every simulated node, so nobody mistakes it for a real one. */
export { SIMULATED_LABEL };
/** Namespace of the node heart-beat Leases, as in Kubernetes. */
export const LEASE_NAMESPACE = NODE_LEASE_NAMESPACE;

export interface SimNodeShape {
  cpu: string;
  memory: string;
  pods: number;
  labels: Record<string, string>;
  leaseDurationSeconds: number;
}

/** A fake but well-formed address: 127.0.x.y for node `index` (0-based). */
export function nodeAddress(index: number): string {
  const n = index + 1; // skip 127.0.0.0
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** The node's pod CIDR, a /24 of 10.0.0.0/8 per node, as a kubelet would be given one. */
export function podCidr(index: number): string {
  return `10.${(index >> 8) & 255}.${index & 255}.0/24`;
}

/** The n-th pod IP of node `index` (1..254, wrapping: pods come and go). */
export function podIp(index: number, seq: number): string {
  return `10.${(index >> 8) & 255}.${index & 255}.${(seq % 254) + 1}`;
}

/** The Ready condition at `now`, as a kubelet posts it. */
export function readyCondition(now: string, since: string): NodeCondition {
  return {
    type: "Ready",
    status: "True",
    lastHeartbeatTime: now,
    lastTransitionTime: since,
    reason: "KubeletReady",
    message: "simulated kubelet is posting ready status",
  };
}

/** The Node object of simulated node `name` (number `index`). */
export function simNode(name: string, index: number, shape: SimNodeShape, now: string): Node {
  const address = nodeAddress(index);
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: String(shape.pods) };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "simulated",
        ...shape.labels,
        [SIMULATED_LABEL]: "true",
      },
      // The local-path directory is only a name here (nothing is created): claims can be
      // provisioned and bound on simulated nodes; their volumes' cleanup finalizer stays.
      annotations: { [SIMULATED_LABEL]: "this node runs no containers: pods on it only look Running", [LOCAL_PATH_DIR_ANNOTATION]: `/var/lib/kctl-simulated/${name}/storage` },
    },
    spec: { podCIDR: podCidr(index) },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [readyCondition(now, now)],
      addresses: [
        { type: "InternalIP", address },
        { type: "Hostname", address: name },
      ],
      nodeInfo: {
        kubeletVersion: "kctl-simulated",
        containerRuntimeVersion: "simulated://0",
        operatingSystem: "linux",
        architecture: "amd64",
        kernelVersion: "simulated",
        osImage: "kctl simulated node",
        machineID: name,
        systemUUID: name,
        bootID: name,
        kubeProxyVersion: "kctl-simulated",
      },
    },
  };
}

/** The heart-beat Lease of node `name`. */
export function nodeLease(name: string, now: string, leaseDurationSeconds: number): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: LEASE_NAMESPACE },
    spec: { holderIdentity: name, leaseDurationSeconds, renewTime: toMicroTime(now) },
  };
}

/** Kubernetes' MicroTime format (RFC 3339 with microseconds), which Lease times use. */
export function toMicroTime(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * The status of a pod that a kubelet has started: phase Running, all four conditions True, every
 * container running and ready. Keeps an existing startTime and podIP.
 */
export function runningStatus(pod: Pod, hostIP: string, podIP: string, now: string): PodStatus {
  const startTime = pod.status?.startTime ?? now;
  const ip = pod.status?.podIP ?? podIP;
  const cond = (type: string) => ({ type, status: "True" as const, lastProbeTime: null, lastTransitionTime: now });
  return {
    phase: "Running",
    conditions: [cond("PodScheduled"), cond("Initialized"), cond("ContainersReady"), cond("Ready")],
    hostIP,
    podIP: ip,
    podIPs: [{ ip }],
    startTime,
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      state: { running: { startedAt: now } },
      ready: true,
      started: true,
      restartCount: 0,
      image: c.image,
      imageID: `simulated://${c.image}`,
      containerID: `simulated://${pod.metadata.uid ?? ""}/${c.name}`,
    })),
  };
}

/** Has the pod already been marked Running and Ready (so there is nothing to write)? */
export function isRunningReady(pod: Pod): boolean {
  const st = pod.status;
  return st?.phase === "Running" && (st.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}
