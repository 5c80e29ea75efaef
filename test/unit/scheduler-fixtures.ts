/** Small builders for scheduler unit tests (not a test file itself). */
import type { Container, Node, Pod, PodSpec, Taint } from "../../lib/types.js";

export function mkNode(
  name: string,
  o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; ready?: boolean; unschedulable?: boolean; taints?: Taint[] } = {},
): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: o.labels ?? {} },
    spec: { unschedulable: o.unschedulable, taints: o.taints },
    status: {
      allocatable: { cpu: o.cpu ?? "4", memory: o.memory ?? "16Gi", pods: o.pods ?? "110" },
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

let uidSeq = 0;

export function mkPod(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    limits?: { cpu?: string; memory?: string };
    containers?: Container[];
    spec?: Partial<PodSpec>;
    owner?: string;
    nodeName?: string;
    uid?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const limits: Record<string, string> = {};
  if (o.limits?.cpu) limits.cpu = o.limits.cpu;
  if (o.limits?.memory) limits.memory = o.limits.memory;
  const containers = o.containers ?? [
    {
      name: "c",
      image: "img",
      resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
    },
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: o.uid ?? `uid-${name}-${++uidSeq}`,
      ownerReferences: o.owner ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.owner, uid: `owner-${o.owner}`, controller: true }] : undefined,
    },
    spec: { containers, nodeName: o.nodeName, ...o.spec },
  };
}
