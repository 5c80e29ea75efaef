/**
 * Turns Pod and Node objects into the numeric views the plugins use. All quantity parsing of the
 * scheduler happens here, once per object change, never in the filter/score loop.
 */
import { requiredNodeTerms } from "../lib/node-affinity.js";
import { milliValue, parseQuantity, value } from "../lib/quantity.js";
import type { Container, Node, Pod } from "../lib/types.js";
import type { HostPort, NodeInfo, PodInfo, Resources } from "./types.js";

/** Kubernetes' non-zero defaults for scoring a container that requests nothing (100m, 200Mi). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** kubelet's default max pods, for a node that does not report `pods` allocatable. */
export const DEFAULT_MAX_PODS = 110;

/**
 * A quantity as a number, or undefined (absent) when it does not parse or is negative. The API
 * server refuses both, but an object stored before that rule must still never lower a node's
 * accounted usage (a pod asking `cpu: -100` once let two 50-CPU pods onto a 4-CPU node).
 */
function trusted(q: string | undefined, scale: typeof milliValue): number | undefined {
  if (q === undefined) return undefined;
  try {
    const n = Number(scale(parseQuantity(q)));
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

const milli = (q: string | undefined): number | undefined => trusted(q, milliValue);
const whole = (q: string | undefined): number | undefined => trusted(q, value);

interface ContainerAsk {
  req: Resources;
  nonZero: Resources;
}

/**
 * A container's requests. A resource with a limit but no request requests its limit (the API
 * server's defaulting in Kubernetes; we apply it here so it holds whoever wrote the pod).
 */
function containerAsk(c: Container): ContainerAsk {
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  const cpu = milli(requests.cpu ?? limits.cpu);
  const mem = whole(requests.memory ?? limits.memory);
  return {
    req: { milliCpu: cpu ?? 0, memory: mem ?? 0 },
    nonZero: { milliCpu: cpu ?? DEFAULT_MILLI_CPU_REQUEST, memory: mem ?? DEFAULT_MEMORY_REQUEST },
  };
}

/** Effective pod requests: the sum over containers, or the largest init container if larger. */
function podAsk(pod: Pod): ContainerAsk {
  const req: Resources = { milliCpu: 0, memory: 0 };
  const nonZero: Resources = { milliCpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const a = containerAsk(c);
    req.milliCpu += a.req.milliCpu;
    req.memory += a.req.memory;
    nonZero.milliCpu += a.nonZero.milliCpu;
    nonZero.memory += a.nonZero.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const a = containerAsk(c);
    req.milliCpu = Math.max(req.milliCpu, a.req.milliCpu);
    req.memory = Math.max(req.memory, a.req.memory);
    nonZero.milliCpu = Math.max(nonZero.milliCpu, a.nonZero.milliCpu);
    nonZero.memory = Math.max(nonZero.memory, a.nonZero.memory);
  }
  return { req, nonZero };
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      // With hostNetwork the container port is the host port (Kubernetes defaults it so).
      const port = p.hostPort ?? (pod.spec.hostNetwork ? p.containerPort : 0);
      if (!port) continue;
      out.push({ protocol: p.protocol ?? "TCP", port, ip: p.hostIP || "0.0.0.0" });
    }
  }
  return out;
}

/** The scheduler's view of a pod. */
export function buildPodInfo(pod: Pod): PodInfo {
  const { req, nonZero } = podAsk(pod);
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  return {
    key: `${pod.metadata.namespace ?? "default"}/${pod.metadata.name ?? ""}`,
    uid: pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`,
    pod,
    priority: pod.spec?.priority ?? 0,
    requests: req,
    nonZeroRequests: nonZero,
    hostPorts: hostPorts(pod),
    nodeSelector: Object.entries(pod.spec?.nodeSelector ?? {}),
    requiredNodeTerms: requiredNodeTerms(pod.spec),
    tolerations: pod.spec?.tolerations ?? [],
    ownerUid: owner?.uid,
    ownerId: -1,
  };
}

/** A NodeInfo for `node` with nothing assigned yet. */
export function emptyNodeInfo(name: string): NodeInfo {
  return {
    name,
    node: { apiVersion: "v1", kind: "Node", metadata: { name } },
    labels: {},
    ready: false,
    networkUnavailable: false,
    unschedulable: false,
    taints: [],
    allocatable: { milliCpu: 0, memory: 0, pods: 0 },
    requested: { milliCpu: 0, memory: 0 },
    nonZeroRequested: { milliCpu: 0, memory: 0 },
    podCount: 0,
    usedPorts: new Map(),
    ownerCounts: new Map(),
    pods: new Map(),
  };
}

/** Refresh the node-derived fields of `info` from `node`, keeping what is assigned to it. */
export function setNodeFields(info: NodeInfo, node: Node): void {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const cap = node.status?.capacity ?? {};
  info.node = node;
  info.labels = node.metadata.labels ?? {};
  info.ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  info.networkUnavailable = node.status?.conditions?.some((c) => c.type === "NetworkUnavailable" && c.status === "True") ?? false;
  info.unschedulable = node.spec?.unschedulable === true;
  info.taints = (node.spec?.taints ?? []).filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute");
  info.allocatable = {
    milliCpu: milli(alloc.cpu ?? cap.cpu) ?? 0,
    memory: whole(alloc.memory ?? cap.memory) ?? 0,
    pods: whole(alloc.pods ?? cap.pods) ?? DEFAULT_MAX_PODS,
  };
}
