/** apps/v1: Deployments, ReplicaSets, StatefulSets, DaemonSets and ControllerRevisions. */
import { C } from "./core-pod.js";
import { atomicList, bool, i32, i64, intOrString, keyedList, kind, obj, oneOf, REF, ref, str, time, type Definitions, type GroupVersionKind, type Schema } from "./schema.js";

const A = "io.k8s.api.apps.v1.";
const apps = (k: string): GroupVersionKind => ({ group: "apps", version: "v1", kind: k });

const condition = (what: string): Schema => obj(`${what}Condition describes the state of a ${what.toLowerCase()} at a certain point.`, {
  lastTransitionTime: time("Last time the condition transitioned from one status to another."),
  message: str("A human readable message indicating details about the transition."),
  reason: str("The reason for the condition's last transition."),
  status: str("Status of the condition, one of True, False, Unknown."),
  type: str(`Type of ${what.toLowerCase()} condition.`),
}, ["type", "status"]);

const workloadSpec = (): Record<string, Schema> => ({
  minReadySeconds: i32("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
  replicas: i32("Number of desired pods. Defaults to 1."),
  selector: ref(REF.labelSelector, "Label selector for pods. It must match the pod template's labels."),
  template: ref(`${C}PodTemplateSpec`, "Template describes the pods that will be created."),
});

export const appsDefinitions: Definitions = {
  [`${A}Deployment`]: kind(apps("Deployment"), "Deployment enables declarative updates for Pods and ReplicaSets.", {
    spec: ref(`${A}DeploymentSpec`, "Specification of the desired behavior of the Deployment."),
    status: ref(`${A}DeploymentStatus`, "Most recently observed status of the Deployment."),
  }),
  [`${A}DeploymentSpec`]: obj("DeploymentSpec is the specification of the desired behavior of the Deployment.", {
    ...workloadSpec(),
    paused: bool("Indicates that the deployment is paused."),
    progressDeadlineSeconds: i32("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s."),
    revisionHistoryLimit: i32("The number of old ReplicaSets to retain to allow rollback. Defaults to 10."),
    strategy: { ...ref(`${A}DeploymentStrategy`, "The deployment strategy to use to replace existing pods with new ones."), "x-kubernetes-patch-strategy": "retainKeys" },
  }, ["selector", "template"]),
  [`${A}DeploymentStrategy`]: obj("DeploymentStrategy describes how to replace existing pods with new ones.", {
    rollingUpdate: obj("Spec to control the desired behavior of rolling update.", {
      maxSurge: intOrString("The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
      maxUnavailable: intOrString("The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%."),
    }),
    type: oneOf(["Recreate", "RollingUpdate"], "Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate."),
  }),
  [`${A}DeploymentStatus`]: obj("DeploymentStatus is the most recently observed status of the Deployment.", {
    availableReplicas: i32("Total number of available non-terminating pods targeted by this deployment."),
    collisionCount: i32("Count of hash collisions for the Deployment."),
    conditions: keyedList(`${A}DeploymentCondition`, ["type"], "Represents the latest available observations of a deployment's current state."),
    observedGeneration: i64("The generation observed by the deployment controller."),
    readyReplicas: i32("Total number of non-terminating pods targeted by this Deployment with a Ready Condition."),
    replicas: i32("Total number of non-terminating pods targeted by this deployment (their labels match the selector)."),
    terminatingReplicas: i32("Total number of terminating pods targeted by this deployment."),
    unavailableReplicas: i32("Total number of unavailable pods targeted by this deployment."),
    updatedReplicas: i32("Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
  }),
  [`${A}DeploymentCondition`]: { ...condition("Deployment"), properties: { ...condition("Deployment").properties, lastUpdateTime: time("The last time this condition was updated.") } },
  [`${A}ReplicaSet`]: kind(apps("ReplicaSet"), "ReplicaSet ensures that a specified number of pod replicas are running at any given time.", {
    spec: ref(`${A}ReplicaSetSpec`, "Spec defines the specification of the desired behavior of the ReplicaSet."),
    status: ref(`${A}ReplicaSetStatus`, "Status is the most recently observed status of the ReplicaSet."),
  }),
  [`${A}ReplicaSetSpec`]: obj("ReplicaSetSpec is the specification of a ReplicaSet.", workloadSpec(), ["selector"]),
  [`${A}ReplicaSetStatus`]: obj("ReplicaSetStatus represents the current status of a ReplicaSet.", {
    availableReplicas: i32("The number of available non-terminating pods (ready for at least minReadySeconds) for this replica set."),
    conditions: keyedList(`${A}ReplicaSetCondition`, ["type"], "Represents the latest available observations of a replica set's current state."),
    fullyLabeledReplicas: i32("The number of non-terminating pods that have labels matching the labels of the pod template of the replicaset."),
    observedGeneration: i64("ObservedGeneration reflects the generation of the most recently observed ReplicaSet."),
    readyReplicas: i32("The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
    replicas: i32("Replicas is the most recently observed number of non-terminating pods."),
    terminatingReplicas: i32("The number of terminating pods for this replica set."),
  }, ["replicas"]),
  [`${A}ReplicaSetCondition`]: condition("ReplicaSet"),
  [`${A}StatefulSet`]: kind(apps("StatefulSet"), "StatefulSet represents a set of pods with consistent identities.", {
    spec: ref(`${A}StatefulSetSpec`, "Spec defines the desired identities of pods in this set."),
    status: ref(`${A}StatefulSetStatus`, "Status is the current status of Pods in this StatefulSet."),
  }),
  [`${A}StatefulSetSpec`]: obj("A StatefulSetSpec is the specification of a StatefulSet.", {
    ...workloadSpec(),
    ordinals: obj("StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.", { start: i32("start is the number representing the first replica's index.") }),
    persistentVolumeClaimRetentionPolicy: obj("StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.", {
      whenDeleted: oneOf(["Delete", "Retain"], "WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted."),
      whenScaled: oneOf(["Delete", "Retain"], "WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down."),
    }),
    podManagementPolicy: oneOf(["OrderedReady", "Parallel"], "podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down."),
    revisionHistoryLimit: i32("revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history."),
    serviceName: str("serviceName is the name of the service that governs this StatefulSet."),
    updateStrategy: obj("StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates.", {
      rollingUpdate: obj("RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.", {
        maxUnavailable: intOrString("The maximum number of pods that can be unavailable during the update."),
        partition: i32("Partition indicates the ordinal at which the StatefulSet should be partitioned for updates."),
      }),
      type: oneOf(["OnDelete", "RollingUpdate"], "Type indicates the type of the StatefulSetUpdateStrategy. Default is RollingUpdate."),
    }),
    volumeClaimTemplates: atomicList(`${C}PersistentVolumeClaim`, "volumeClaimTemplates is a list of claims that pods are allowed to reference."),
  }, ["selector", "template"]),
  [`${A}StatefulSetStatus`]: obj("StatefulSetStatus represents the current state of a StatefulSet.", {
    availableReplicas: i32("Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset."),
    collisionCount: i32("collisionCount is the count of hash collisions for the StatefulSet."),
    conditions: keyedList(`${A}StatefulSetCondition`, ["type"], "Represents the latest available observations of a statefulset's current state."),
    currentReplicas: i32("currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision."),
    currentRevision: str("currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas)."),
    observedGeneration: i64("observedGeneration is the most recent generation observed for this StatefulSet."),
    readyReplicas: i32("readyReplicas is the number of pods created for this StatefulSet with a Ready Condition."),
    replicas: i32("replicas is the number of Pods created by the StatefulSet controller."),
    updateRevision: str("updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)"),
    updatedReplicas: i32("updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision."),
  }, ["replicas"]),
  [`${A}StatefulSetCondition`]: condition("StatefulSet"),
  [`${A}DaemonSet`]: kind(apps("DaemonSet"), "DaemonSet represents the configuration of a daemon set.", {
    spec: ref(`${A}DaemonSetSpec`, "The desired behavior of this daemon set."),
    status: ref(`${A}DaemonSetStatus`, "The current status of this daemon set."),
  }),
  [`${A}DaemonSetSpec`]: obj("DaemonSetSpec is the specification of a daemon set.", {
    minReadySeconds: i32("The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0."),
    revisionHistoryLimit: i32("The number of old history to retain to allow rollback. Defaults to 10."),
    selector: ref(REF.labelSelector, "A label query over pods that are managed by the daemon set. Must match in order to be controlled."),
    template: ref(`${C}PodTemplateSpec`, "An object that describes the pod that will be created."),
    updateStrategy: obj("DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.", {
      rollingUpdate: obj("Spec to control the desired behavior of daemon set rolling update.", {
        maxSurge: intOrString("The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update."),
        maxUnavailable: intOrString("The maximum number of DaemonSet pods that can be unavailable during the update."),
      }),
      type: oneOf(["OnDelete", "RollingUpdate"], "Type of daemon set update. Can be \"RollingUpdate\" or \"OnDelete\". Default is RollingUpdate."),
    }),
  }, ["selector", "template"]),
  [`${A}DaemonSetStatus`]: obj("DaemonSetStatus represents the current status of a daemon set.", {
    collisionCount: i32("Count of hash collisions for the DaemonSet."),
    conditions: keyedList(`${A}DaemonSetCondition`, ["type"], "Represents the latest available observations of a DaemonSet's current state."),
    currentNumberScheduled: i32("The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    desiredNumberScheduled: i32("The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
    numberAvailable: i32("The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
    numberMisscheduled: i32("The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod."),
    numberReady: i32("numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
    numberUnavailable: i32("The number of nodes that should be running the daemon pod and have none of the daemon pod running and available."),
    observedGeneration: i64("The most recent generation observed by the daemon set controller."),
    updatedNumberScheduled: i32("The total number of nodes that are running updated daemon pod"),
  }, ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"]),
  [`${A}DaemonSetCondition`]: condition("DaemonSet"),
  [`${A}ControllerRevision`]: kind(apps("ControllerRevision"), "ControllerRevision implements an immutable snapshot of state data.", {
    data: ref(REF.rawExtension, "Data is the serialized representation of the state."),
    revision: i64("Revision indicates the revision of the state represented by Data."),
  }),
};
