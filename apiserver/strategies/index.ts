/** Kind -> strategy. */
import { configMapStrategy } from "./configmap.js";
import { controllerRevisionStrategy } from "./controllerrevision.js";
import { cronJobStrategy } from "./cronjob.js";
import { daemonSetStrategy } from "./daemonset.js";
import { deploymentStrategy } from "./deployment.js";
import { endpointsStrategy } from "./endpoints.js";
import { eventStrategy } from "./event.js";
import { genericStrategy } from "./generic.js";
import { jobStrategy } from "./job.js";
import { leaseStrategy } from "./lease.js";
import { namespaceStrategy } from "./namespace.js";
import { nodeStrategy } from "./node.js";
import { persistentVolumeStrategy } from "./persistentvolume.js";
import { persistentVolumeClaimStrategy } from "./persistentvolumeclaim.js";
import { podStrategy } from "./pod.js";
import { replicaSetStrategy } from "./replicaset.js";
import { replicationControllerStrategy } from "./replicationcontroller.js";
import { secretStrategy } from "./secret.js";
import { serviceStrategy } from "./service.js";
import { statefulSetStrategy } from "./statefulset.js";
import { storageClassStrategy } from "./storageclass.js";
import type { Strategy } from "./strategy.js";

const BY_KIND: Record<string, Strategy> = {
  Pod: podStrategy,
  Deployment: deploymentStrategy,
  ReplicaSet: replicaSetStrategy,
  ReplicationController: replicationControllerStrategy,
  Service: serviceStrategy,
  Secret: secretStrategy,
  ConfigMap: configMapStrategy,
  Namespace: namespaceStrategy,
  Node: nodeStrategy,
  Endpoints: endpointsStrategy,
  Lease: leaseStrategy,
  Event: eventStrategy,
  StatefulSet: statefulSetStrategy,
  DaemonSet: daemonSetStrategy,
  ControllerRevision: controllerRevisionStrategy,
  Job: jobStrategy,
  CronJob: cronJobStrategy,
  PersistentVolume: persistentVolumeStrategy,
  PersistentVolumeClaim: persistentVolumeClaimStrategy,
  StorageClass: storageClassStrategy,
};

/** The strategy of a kind (the generic one when it has no special rules). */
export function strategyFor(kind: string): Strategy {
  return BY_KIND[kind] ?? genericStrategy;
}
