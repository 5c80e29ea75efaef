/**
 * API object types, shaped exactly as Kubernetes' JSON (apiVersion/kind/metadata/spec/status).
 * Only the fields kctl understands are typed; unknown fields pass through the API untouched.
 */

export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Labels;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Any stored object. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [extra: string]: unknown;
}

export interface KList<T extends KObject = KObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  object: T;
}

// ---------- selectors ----------
export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

// ---------- core/v1 ----------
export interface Namespace extends KObject {
  kind: "Namespace";
  spec?: { finalizers?: string[] };
  status?: { phase?: "Active" | "Terminating" };
}

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}
export interface NodeAddress {
  type: "InternalIP" | "ExternalIP" | "Hostname";
  address: string;
}
export type ResourceList = Record<string, string>;
export interface NodeSpec {
  unschedulable?: boolean;
  taints?: Taint[];
  podCIDR?: string;
  podCIDRs?: string[];
}
export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: {
    kubeletVersion?: string;
    containerRuntimeVersion?: string;
    operatingSystem?: string;
    architecture?: string;
    kernelVersion?: string;
    osImage?: string;
    machineID?: string;
    systemUUID?: string;
    bootID?: string;
    kubeProxyVersion?: string;
  };
}
export interface Node extends KObject {
  kind: "Node";
  spec?: NodeSpec;
  status?: NodeStatus;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string; apiVersion?: string };
  };
}
export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: "TCP" | "UDP" | "SCTP";
}
export interface ExecAction {
  command?: string[];
}
export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: "HTTP" | "HTTPS";
  httpHeaders?: { name: string; value: string }[];
}
export interface TCPSocketAction {
  port: number | string;
  host?: string;
}
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}
export interface LifecycleHandler {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: LifecycleHandler; postStart?: LifecycleHandler };
  terminationMessagePath?: string;
  stdin?: boolean;
  tty?: boolean;
}
export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  configMap?: { name: string; items?: { key: string; path: string }[]; optional?: boolean; defaultMode?: number };
  secret?: { secretName: string; items?: { key: string; path: string }[]; optional?: boolean; defaultMode?: number };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}
export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds?: number;
  /** seconds from status.startTime after which the kubelet stops the pod (Failed, DeadlineExceeded) */
  activeDeadlineSeconds?: number;
  nodeName?: string;
  nodeSelector?: Labels;
  tolerations?: Toleration[];
  hostname?: string;
  subdomain?: string;
  schedulerName?: string;
  priority?: number;
  dnsPolicy?: string;
  hostNetwork?: boolean;
  enableServiceLinks?: boolean;
  /** only required node affinity is read by kctl (the scheduler and the DaemonSet controller) */
  affinity?: Affinity;
}
/** Scheduling affinity; pod (anti-)affinity is stored but not acted on. */
export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
  };
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
}
export interface PodCondition {
  type: "PodScheduled" | "Initialized" | "ContainersReady" | "Ready" | string;
  status: "True" | "False" | "Unknown";
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}
export interface ContainerStateRunning {
  startedAt?: string;
}
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}
export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID?: string;
  containerID?: string;
}
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  nominatedNodeName?: string;
}
export interface Pod extends KObject {
  kind: "Pod";
  spec: PodSpec;
  status?: PodStatus;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface ServicePort {
  name?: string;
  protocol?: "TCP" | "UDP" | "SCTP";
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}
export interface ServiceSpec {
  type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
  selector?: Labels;
  ports?: ServicePort[];
  clusterIP?: string;
  clusterIPs?: string[];
  externalIPs?: string[];
  sessionAffinity?: "None" | "ClientIP";
  externalName?: string;
  publishNotReadyAddresses?: boolean;
}
export interface Service extends KObject {
  kind: "Service";
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string; resourceVersion?: string };
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}
export interface Endpoints extends KObject {
  kind: "Endpoints";
  subsets?: EndpointSubset[];
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}
export interface Event extends KObject {
  kind: "Event";
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: "Normal" | "Warning";
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string | null;
  count?: number;
  reportingComponent?: string;
  reportingInstance?: string;
}

export interface ConfigMap extends KObject {
  kind: "ConfigMap";
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

export interface Secret extends KObject {
  kind: "Secret";
  type?: string;
  /** base64-encoded values */
  data?: Record<string, string>;
  /** write-only convenience: merged into data (base64) by the API server */
  stringData?: Record<string, string>;
  immutable?: boolean;
}

// ---------- coordination.k8s.io/v1 ----------
export interface Lease extends KObject {
  kind: "Lease";
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

// ---------- apps/v1 ----------
export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
}
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}
export interface ReplicaSet extends KObject {
  kind: "ReplicaSet";
  spec: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

export type IntOrString = number | string;
export interface DeploymentStrategy {
  type?: "RollingUpdate" | "Recreate";
  rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString };
}
export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  paused?: boolean;
  progressDeadlineSeconds?: number;
}
export interface DeploymentCondition {
  type: "Available" | "Progressing" | "ReplicaFailure" | string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}
export interface Deployment extends KObject {
  kind: "Deployment";
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  serviceName?: string;
  podManagementPolicy?: "OrderedReady" | "Parallel";
  updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition?: number; maxUnavailable?: IntOrString } };
  volumeClaimTemplates?: PersistentVolumeClaim[];
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
  ordinals?: { start?: number };
}
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}
export interface StatefulSet extends KObject {
  kind: "StatefulSet";
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}
/** apps/v1 ControllerRevision: one immutable snapshot of a StatefulSet's (or DaemonSet's) template. */
export interface ControllerRevision extends KObject {
  kind: "ControllerRevision";
  /** the patch that restores this revision: `{ spec: { template: ... } }` */
  data?: unknown;
  revision: number;
}

// ---------- storage ----------
export type PersistentVolumeAccessMode = "ReadWriteOnce" | "ReadOnlyMany" | "ReadWriteMany" | "ReadWriteOncePod";
export interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt"; values?: string[] }[];
  matchFields?: { key: string; operator: "In" | "NotIn"; values?: string[] }[];
}
export interface VolumeNodeAffinity {
  required?: { nodeSelectorTerms: NodeSelectorTerm[] };
}
export interface PersistentVolumeSpec {
  capacity?: ResourceList;
  accessModes?: PersistentVolumeAccessMode[];
  persistentVolumeReclaimPolicy?: "Retain" | "Delete" | "Recycle";
  storageClassName?: string;
  volumeMode?: "Filesystem" | "Block";
  claimRef?: ObjectReference;
  nodeAffinity?: VolumeNodeAffinity;
  mountOptions?: string[];
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
}
export interface PersistentVolume extends KObject {
  kind: "PersistentVolume";
  spec: PersistentVolumeSpec;
  status?: { phase?: "Pending" | "Available" | "Bound" | "Released" | "Failed"; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}
export interface PersistentVolumeClaimSpec {
  accessModes?: PersistentVolumeAccessMode[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: "Filesystem" | "Block";
  selector?: LabelSelector;
}
export interface PersistentVolumeClaim extends KObject {
  kind: "PersistentVolumeClaim";
  spec: PersistentVolumeClaimSpec;
  status?: { phase?: "Pending" | "Bound" | "Lost"; accessModes?: PersistentVolumeAccessMode[]; capacity?: ResourceList; conditions?: unknown[] };
}
export interface StorageClass extends KObject {
  kind: "StorageClass";
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: "Retain" | "Delete";
  volumeBindingMode?: "Immediate" | "WaitForFirstConsumer";
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
}

/** autoscaling/v1 Scale, served by the scale subresource. */
export interface Scale extends KObject {
  kind: "Scale";
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

/** metav1.Status: every API error, and some delete responses. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: ListMeta;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

// ---------- batch/v1 ----------
/** A condition of a Job: Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet. */
export interface JobCondition {
  type: "Complete" | "Failed" | "Suspended" | "FailureTarget" | "SuccessCriteriaMet" | string;
  status: "True" | "False" | "Unknown";
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}
/** One rule of a Job's podFailurePolicy (only onExitCodes and onPodConditions, as Kubernetes). */
export interface PodFailurePolicyRule {
  action: "FailJob" | "FailIndex" | "Ignore" | "Count";
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}
export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] };
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: "NonIndexed" | "Indexed";
  suspend?: boolean;
  podReplacementPolicy?: "TerminatingOrFailed" | "Failed";
  managedBy?: string;
  /** Indexed Jobs: succeed once any rule is met */
  successPolicy?: { rules: JobSuccessPolicyRule[] };
}
/** One rule of a Job's successPolicy: these indexes ("0,2-4") and/or this many of them succeeded. */
export interface JobSuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  /** Indexed Jobs: the succeeded indexes, as "1,3-5,7" */
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}
export interface Job extends KObject {
  kind: "Job";
  spec: JobSpec;
  status?: JobStatus;
}
export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
  suspend?: boolean;
  jobTemplate: { metadata?: ObjectMeta; spec: JobSpec };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}
export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}
export interface CronJob extends KObject {
  kind: "CronJob";
  spec: CronJobSpec;
  status?: CronJobStatus;
}

/** core/v1 ReplicationController: a ReplicaSet with an equality-only selector (a plain map). */
export interface ReplicationController extends KObject {
  kind: "ReplicationController";
  spec: { replicas?: number; minReadySeconds?: number; selector?: Labels; template?: PodTemplateSpec };
  status?: ReplicaSetStatus;
}

/** apps/v1 DaemonSet: one pod on every eligible node. */
export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}
export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}
export interface DaemonSet extends KObject {
  kind: "DaemonSet";
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
}
