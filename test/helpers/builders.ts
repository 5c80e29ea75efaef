/**
 * The suite's object builders: a Pod, a Node, a ReplicaSet or a Deployment as a client writes it,
 * in namespace `default`, with only what the options ask for. The same object serves a pure
 * unit test (scheduler plugins, caches) and a create against a real API server (which overwrites
 * uid and creationTimestamp, as Kubernetes does).
 *
 * Domain fixtures that mean more than "an object of this shape" stay with their tests:
 * `test/unit/controllers-fixtures.ts` (plan inputs at fixed times, with status) and the e2e
 * `deployment` of the real test image in `test/helpers/docker.ts`.
 */
import type { Container, Deployment, DeploymentSpec, Node, Pod, PodSpec, ReplicaSet, ReplicaSetSpec, Taint } from "../../lib/types.js";

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  /** Default `uid-<name>`. */
  uid?: string;
  /** Name of the controlling ReplicaSet (its uid is `uid-<owner>`, as `makeReplicaSet(owner)` has). */
  owner?: string;
  nodeName?: string;
  /** Image of the one container `c` (default `busybox`). */
  image?: string;
  /** Requests of the one container. */
  cpu?: string;
  memory?: string;
  limits?: { cpu?: string; memory?: string };
  /** A container port 80 published on this host port. */
  hostPort?: number;
  /** Replace the one container. */
  containers?: Container[];
  /** Merged over the spec last (nodeSelector, tolerations, priority, ...). */
  spec?: Partial<PodSpec>;
}

/** A Pod with one container `c` unless `containers` is given. */
export function makePod(name: string, o: PodOptions = {}): Pod {
  const resources: NonNullable<Container["resources"]> = {};
  const requests = definedOnly({ cpu: o.cpu, memory: o.memory });
  const limits = definedOnly({ cpu: o.limits?.cpu, memory: o.limits?.memory });
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  const container: Container = {
    name: "c",
    image: o.image ?? "busybox",
    ...(requests || limits ? { resources } : {}),
    ...(o.hostPort ? { ports: [{ containerPort: 80, hostPort: o.hostPort }] } : {}),
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o.namespace ?? "default",
      uid: o.uid ?? `uid-${name}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.owner, uid: `uid-${o.owner}`, controller: true }] } : {}),
    },
    spec: { containers: o.containers ?? [container], ...(o.nodeName ? { nodeName: o.nodeName } : {}), ...o.spec },
  };
}

export interface NodeOptions {
  /** Capacity and allocatable (defaults 4 CPUs, 16Gi, 110 pods). */
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  /** Condition Ready (default true). */
  ready?: boolean;
  /** Stamped as the Ready condition's lastHeartbeatTime. */
  heartbeatAt?: Date;
  unschedulable?: boolean;
  taints?: Taint[];
}

/** A Node with its status (a test that creates it must also write the status subresource). */
export function makeNode(name: string, o: NodeOptions = {}): Node {
  const resources = { cpu: o.cpu ?? "4", memory: o.memory ?? "16Gi", pods: o.pods ?? "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: o.labels ?? {} },
    spec: definedOnly({ unschedulable: o.unschedulable, taints: o.taints }) ?? {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True", ...(o.heartbeatAt ? { lastHeartbeatTime: o.heartbeatAt.toISOString() } : {}) }],
    },
  };
}

export interface WorkloadOptions<S> {
  /** Image of the one container (default `web:v1`). */
  image?: string;
  /** Merged over the one container `{ name: <workload name>, image, ports: [http 8080] }`. */
  container?: Partial<Container>;
  /** Merged over the pod template's spec. */
  podSpec?: Partial<PodSpec>;
  /** Merged over the workload's spec last (strategy, minReadySeconds, a whole template, ...). */
  spec?: Partial<S>;
}

/** The spec a ReplicaSet and a Deployment share: selector and template labelled app=<name>. */
function workloadSpec(name: string, replicas: number, o: WorkloadOptions<ReplicaSetSpec>): ReplicaSetSpec {
  const container: Container = { name, image: o.image ?? "web:v1", ports: [{ name: "http", containerPort: 8080 }], ...o.container };
  return {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [container], ...o.podSpec } },
  };
}

/** A Deployment of `replicas` pods labelled app=<name>. */
export function makeDeployment(name: string, replicas: number, o: WorkloadOptions<DeploymentSpec> = {}): Deployment {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default" }, spec: { ...workloadSpec(name, replicas, o), ...o.spec } };
}

/** A ReplicaSet of `replicas` pods labelled app=<name>, owned by nothing. */
export function makeReplicaSet(name: string, replicas: number, o: WorkloadOptions<ReplicaSetSpec> = {}): ReplicaSet {
  return { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name, namespace: "default" }, spec: { ...workloadSpec(name, replicas, o), ...o.spec } };
}

/** The object without its undefined fields, or undefined when none is left (keeps built objects minimal). */
function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return Object.keys(out).length ? out : undefined;
}
