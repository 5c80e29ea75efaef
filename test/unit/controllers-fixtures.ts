/** Object builders for the controllers' table tests. */
import type { Deployment, Pod, ReplicaSet } from "../../lib/types.js";

export const T0 = new Date("2024-01-01T00:00:00Z");
export const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
export const iso = (s: number): string => at(s).toISOString();

export interface PodOpts {
  name: string;
  labels?: Record<string, string>;
  owner?: string; // uid of controlling owner
  node?: string;
  phase?: Pod["status"] extends infer S ? (S extends { phase?: infer P } ? P : never) : never;
  ready?: boolean;
  readyAt?: number; // seconds after T0
  created?: number;
  deleting?: boolean;
  restarts?: number;
  ip?: string;
  ports?: { name?: string; containerPort: number; protocol?: "TCP" | "UDP" }[];
}

export function pod(o: PodOpts): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      namespace: "default",
      uid: `uid-${o.name}`,
      labels: o.labels ?? { app: "web" },
      creationTimestamp: iso(o.created ?? 0),
      ...(o.owner ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: o.owner, controller: true, blockOwnerDeletion: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(1) } : {}),
    },
    spec: { containers: [{ name: "c", image: "img", ports: o.ports }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? (o.node ? "Running" : "Pending"),
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: o.ready ? [{ type: "Ready", status: "True", lastTransitionTime: iso(o.readyAt ?? 0) }] : [{ type: "Ready", status: "False" }],
      containerStatuses: [{ name: "c", ready: Boolean(o.ready), restartCount: o.restarts ?? 0, image: "img" }],
    },
  };
}

export function replicaSet(o: { name?: string; uid?: string; replicas?: number; minReadySeconds?: number; generation?: number; deleting?: boolean }): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: o.name ?? "rs", namespace: "default", uid: o.uid ?? "rs-uid", generation: o.generation ?? 1, ...(o.deleting ? { deletionTimestamp: iso(0) } : {}) },
    spec: {
      replicas: o.replicas ?? 3,
      minReadySeconds: o.minReadySeconds,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web", tier: "fe" } }, spec: { containers: [{ name: "c", image: "img" }] } },
    },
  };
}

export function deployment(o: {
  replicas?: number;
  image?: string;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  strategy?: "RollingUpdate" | "Recreate";
  paused?: boolean;
  generation?: number;
  status?: Deployment["status"];
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  annotations?: Record<string, string>;
}): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", uid: "d-uid", generation: o.generation ?? 1, annotations: o.annotations },
    spec: {
      replicas: o.replicas ?? 10,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: o.image ?? "web:v1" }] } },
      strategy: o.strategy === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: o.maxSurge ?? "25%", maxUnavailable: o.maxUnavailable ?? "25%" } },
      paused: o.paused,
      revisionHistoryLimit: o.revisionHistoryLimit,
      progressDeadlineSeconds: o.progressDeadlineSeconds,
    },
    status: o.status,
  };
}
