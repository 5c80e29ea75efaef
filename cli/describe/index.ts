/** Fetch what a describer needs (related objects, events) and render it. */
import type { ApiClient } from "../../lib/client.js";
import type { ResourceInfo } from "../../lib/kinds.js";
import type { ConfigMap, CronJob, DaemonSet, Job, ReplicationController, Deployment, Endpoints, KObject, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicaSet, Secret, Service, StatefulSet, StorageClass } from "../../lib/types.js";
import { podClaimNames } from "../../lib/storage.js";
import { describeClaim, describeStorageClass, describeVolume } from "./storage.js";
import { eventsSection, fetchEvents } from "./common.js";
import { describeConfigMap, describeEndpoints, describeGeneric, describeNamespace, describeNode, describeSecret, describeService } from "./others.js";
import { describePod } from "./pod.js";
import { DescribeWriter } from "./tabwriter.js";
import { describeCronJob, describeDaemonSet, describeJob } from "./batch.js";
import { describeDeployment, describeReplicaSet, describeStatefulSet } from "./workloads.js";
import { REVISION_ANNOTATION } from "../../lib/deployment-revisions.js";
import { POD_TEMPLATE_HASH_LABEL } from "../../lib/pod-template-hash.js";

function ownedBy(o: KObject, owner: KObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

/** The full describe text for one object. */
export async function describeObject(client: ApiClient, r: ResourceInfo, obj: KObject): Promise<string> {
  const w = new DescribeWriter();
  const ns = obj.metadata.namespace;
  switch (r.kind) {
    case "Pod":
      describePod(w, obj as Pod);
      break;
    case "Deployment": {
      const rsList = await client.list<ReplicaSet>("ReplicaSet", { namespace: ns });
      const owned = rsList.items.filter((rs) => ownedBy(rs, obj));
      const d = obj as Deployment;
      const hash = (rs: ReplicaSet) => rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
      const rev = (o: KObject) => Number(o.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
      const newest = [...owned].sort((a, b) => rev(b) - rev(a))[0];
      const fmt = (rs: ReplicaSet) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
      const oldRSs = owned.filter((rs) => rs !== newest && (rs.spec?.replicas ?? 0) > 0).map(fmt);
      void hash;
      describeDeployment(w, d, { newRS: newest ? fmt(newest) : undefined, oldRSs });
      break;
    }
    case "ReplicaSet":
    case "StatefulSet": {
      const pods = await client.list<Pod>("Pod", { namespace: ns });
      const mine = pods.items.filter((p) => ownedBy(p, obj));
      const count = (phase: string) => mine.filter((p) => (p.status?.phase ?? "Pending") === phase).length;
      const phases = { running: count("Running"), waiting: count("Pending"), succeeded: count("Succeeded"), failed: count("Failed") };
      if (r.kind === "StatefulSet") describeStatefulSet(w, obj as StatefulSet, phases);
      else describeReplicaSet(w, obj as ReplicaSet, phases);
      break;
    }
    case "Job":
      describeJob(w, obj as Job);
      break;
    case "CronJob":
      describeCronJob(w, obj as CronJob);
      break;
    case "DaemonSet": {
      const pods = await client.list<Pod>("Pod", { namespace: ns });
      const mine = pods.items.filter((p) => ownedBy(p, obj));
      const count = (phase: string) => mine.filter((p) => (p.status?.phase ?? "Pending") === phase).length;
      describeDaemonSet(w, obj as DaemonSet, { running: count("Running"), waiting: count("Pending"), succeeded: count("Succeeded"), failed: count("Failed") });
      break;
    }
    case "ReplicationController": {
      const pods = await client.list<Pod>("Pod", { namespace: ns });
      const mine = pods.items.filter((p) => ownedBy(p, obj));
      const count = (phase: string) => mine.filter((p) => (p.status?.phase ?? "Pending") === phase).length;
      const rc = obj as ReplicationController;
      describeReplicaSet(w, { ...rc, kind: "ReplicaSet", spec: { ...rc.spec, selector: { matchLabels: rc.spec.selector ?? {} }, template: rc.spec.template ?? { spec: { containers: [] } } } } as ReplicaSet, { running: count("Running"), waiting: count("Pending"), succeeded: count("Succeeded"), failed: count("Failed") });
      break;
    }
    case "PersistentVolumeClaim": {
      const pods = await client.list<Pod>("Pod", { namespace: ns });
      const usedBy = pods.items.filter((p) => podClaimNames(p.spec).includes(obj.metadata.name ?? "")).map((p) => p.metadata.name ?? "");
      describeClaim(w, obj as PersistentVolumeClaim, usedBy);
      break;
    }
    case "PersistentVolume":
      describeVolume(w, obj as PersistentVolume);
      break;
    case "StorageClass":
      describeStorageClass(w, obj as StorageClass);
      break;
    case "Service": {
      let ep: Endpoints | undefined;
      try {
        ep = await client.get<Endpoints>("Endpoints", obj.metadata.name ?? "", ns);
      } catch {
        ep = undefined;
      }
      describeService(w, obj as Service, ep);
      break;
    }
    case "Endpoints":
      describeEndpoints(w, obj as Endpoints);
      break;
    case "Node": {
      const pods = await client.list<Pod>("Pod", { fieldSelector: `spec.nodeName=${obj.metadata.name}` });
      const live = pods.items.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
      describeNode(w, obj as Node, live);
      break;
    }
    case "Namespace":
      describeNamespace(w, obj as Namespace);
      break;
    case "ConfigMap":
      describeConfigMap(w, obj as ConfigMap);
      break;
    case "Secret":
      describeSecret(w, obj as Secret);
      break;
    default:
      describeGeneric(w, obj);
  }
  if (r.kind !== "Event") {
    let events;
    try {
      events = await fetchEvents(client, obj);
    } catch {
      events = undefined;
    }
    eventsSection(w, events);
  }
  return w.toString();
}
