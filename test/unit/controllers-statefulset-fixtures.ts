/**
 * Plan inputs for the StatefulSet controller's unit tests: a set `db` (uid `uid-db`), its pods at
 * a revision, its claims and revisions, at fixed times.
 */
import { CONTROLLER_REVISION_HASH_LABEL } from "../../lib/controller-revisions.js";
import type { ControllerRevision, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, StatefulSetSpec } from "../../lib/types.js";
import { newRevision } from "../../controllers/statefulset/revisions.js";
import { planStatefulSet, type StatefulSetPlan } from "../../controllers/statefulset/plan.js";
import { at, iso } from "./controllers-fixtures.js";

export const SET_UID = "uid-db";

export function template(image = "db:v1"): PodTemplateSpec {
  return { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image }] } };
}

/** The set `db` as the API server defaults it, with one claim template `data` unless `spec` says otherwise. */
export function statefulSet(spec: Partial<StatefulSetSpec> = {}, o: { generation?: number; deleting?: boolean; status?: StatefulSet["status"] } = {}): StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", namespace: "default", uid: SET_UID, generation: o.generation ?? 1, ...(o.deleting ? { deletionTimestamp: iso(0) } : {}) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "db" } },
      serviceName: "db",
      template: template(),
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", labels: { tier: "storage" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      ...spec,
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

/** A revision of `set` with the given template image. */
export function revision(set: StatefulSet, image: string, number: number, collisionCount = 0): ControllerRevision {
  const r = newRevision({ ...set, spec: { ...set.spec, template: template(image) } }, number, collisionCount);
  r.metadata.uid = `uid-${r.metadata.name}`;
  return r;
}

export interface StsPodOpts {
  ordinal: number;
  rev: ControllerRevision;
  /** default Running */
  phase?: "Pending" | "Running" | "Failed" | "Succeeded";
  /** default true when Running */
  ready?: boolean;
  readyAt?: number;
  deleting?: boolean;
  uid?: string;
}

/** The pod `db-<ordinal>` the controller made from `rev`, with a status. */
export function stsPod(o: StsPodOpts): Pod {
  const name = `db-${o.ordinal}`;
  const phase = o.phase ?? "Running";
  const ready = o.ready ?? phase === "Running";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: o.uid ?? `uid-${name}`,
      labels: { app: "db", "statefulset.kubernetes.io/pod-name": name, "apps.kubernetes.io/pod-index": String(o.ordinal), [CONTROLLER_REVISION_HASH_LABEL]: o.rev.metadata.name ?? "" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: SET_UID, controller: true, blockOwnerDeletion: true }],
      ...(o.deleting ? { deletionTimestamp: iso(0) } : {}),
    },
    spec: { containers: [{ name: "db", image: "db" }], nodeName: "n1", hostname: name, subdomain: "db" },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False", lastTransitionTime: iso(o.readyAt ?? 0) }] },
  };
}

/** The claim `data-db-<ordinal>` as the controller created it. */
export function claim(ordinal: number, o: { ownerReferences?: PersistentVolumeClaim["metadata"]["ownerReferences"]; deleting?: boolean } = {}): PersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: `data-db-${ordinal}`, namespace: "default", uid: `uid-data-db-${ordinal}`, labels: { app: "db", tier: "storage" }, ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}), ...(o.deleting ? { deletionTimestamp: iso(0) } : {}) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  };
}

/** Plan `set` with `pods` and `claims` at t=100 s; current and update revisions default to `cur`/`upd`. */
export function plan(set: StatefulSet, pods: Pod[], o: { cur: ControllerRevision; upd?: ControllerRevision; claims?: PersistentVolumeClaim[]; now?: number }): StatefulSetPlan {
  const claims = new Map((o.claims ?? []).map((c) => [c.metadata.name ?? "", c] as const));
  return planStatefulSet({ set, pods, claims, currentRevision: o.cur, updateRevision: o.upd ?? o.cur, collisionCount: 0, now: at(o.now ?? 100) });
}

export const created = (p: StatefulSetPlan): string[] => p.createPods.map((x) => x.metadata.name ?? "");
export const deleted = (p: StatefulSetPlan): string[] => p.deletePods.map((x) => x.pod.metadata.name ?? "");
