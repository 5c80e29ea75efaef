/** batch/v1: Jobs and CronJobs, every field Kubernetes 1.32 declares. */
import { C } from "./core-pod.js";
import { atomicList, bool, i32, i64, kind, list, obj, oneOf, REF, ref, str, strList, time, type Definitions, type GroupVersionKind } from "./schema.js";

const B = "io.k8s.api.batch.v1.";
const batch = (k: string): GroupVersionKind => ({ group: "batch", version: "v1", kind: k });

export const batchDefinitions: Definitions = {
  [`${B}Job`]: kind(batch("Job"), "Job represents the configuration of a single job.", {
    spec: ref(`${B}JobSpec`, "Specification of the desired behavior of a job."),
    status: ref(`${B}JobStatus`, "Current status of a job."),
  }),
  [`${B}JobSpec`]: obj("JobSpec describes how the job execution will look like.", {
    activeDeadlineSeconds: i64("Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer."),
    backoffLimit: i32("Specifies the number of retries before marking this job failed. Defaults to 6."),
    backoffLimitPerIndex: i32("Specifies the limit for the number of retries within an index before marking this index as failed."),
    completionMode: oneOf(["Indexed", "NonIndexed"], "completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`."),
    completions: i32("Specifies the desired number of successfully finished pods the job should be run with."),
    managedBy: str("ManagedBy field indicates the controller that manages a Job."),
    manualSelector: bool("manualSelector controls generation of pod labels and pod selectors."),
    maxFailedIndexes: i32("Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set."),
    parallelism: i32("Specifies the maximum desired number of pods the job should run at any given time."),
    podFailurePolicy: ref(`${B}PodFailurePolicy`, "Specifies the policy of handling failed pods."),
    podReplacementPolicy: oneOf(["Failed", "TerminatingOrFailed"], "podReplacementPolicy specifies when to create replacement Pods."),
    selector: ref(REF.labelSelector, "A label query over pods that should match the pod count."),
    successPolicy: ref(`${B}SuccessPolicy`, "successPolicy specifies the policy when the Job can be declared as succeeded."),
    suspend: bool("suspend specifies whether the Job controller should create Pods or not."),
    template: ref(`${C}PodTemplateSpec`, "Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are \"Never\" or \"OnFailure\"."),
    ttlSecondsAfterFinished: i32("ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed)."),
  }, ["template"]),
  [`${B}PodFailurePolicy`]: obj("PodFailurePolicy describes how failed pods influence the backoffLimit.", {
    rules: atomicList(`${B}PodFailurePolicyRule`, "A list of pod failure policy rules. The rules are evaluated in order."),
  }, ["rules"]),
  [`${B}PodFailurePolicyRule`]: obj("PodFailurePolicyRule describes how a pod failure is handled when the requirements are met.", {
    action: oneOf(["Count", "FailIndex", "FailJob", "Ignore"], "Specifies the action taken on a pod failure when the requirements are satisfied."),
    onExitCodes: ref(`${B}PodFailurePolicyOnExitCodesRequirement`, "Represents the requirement on the container exit codes."),
    onPodConditions: atomicList(`${B}PodFailurePolicyOnPodConditionsPattern`, "Represents the requirement on the pod conditions."),
  }, ["action"]),
  [`${B}PodFailurePolicyOnExitCodesRequirement`]: obj("PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes.", {
    containerName: str("Restricts the check for exit codes to the container with the specified name."),
    operator: oneOf(["In", "NotIn"], "Represents the relationship between the container exit code(s) and the specified values."),
    values: list({ type: "integer", format: "int32" }, "Specifies the set of values.", { type: "set" }),
  }, ["operator", "values"]),
  [`${B}PodFailurePolicyOnPodConditionsPattern`]: obj("PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.", {
    status: str("Specifies the required Pod condition status."),
    type: str("Specifies the required Pod condition type."),
  }, ["type"]),
  [`${B}SuccessPolicy`]: obj("SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.", {
    rules: atomicList(`${B}SuccessPolicyRule`, "rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`."),
  }, ["rules"]),
  [`${B}SuccessPolicyRule`]: obj("SuccessPolicyRule describes rule for declaring a Job as succeeded.", {
    succeededCount: i32("succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job."),
    succeededIndexes: str("succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job."),
  }),
  [`${B}JobStatus`]: obj("JobStatus represents the current state of a Job.", {
    active: i32("The number of pending and running pods which are not terminating."),
    completedIndexes: str("completedIndexes holds the completed indexes when .spec.completionMode = \"Indexed\" in a text format."),
    completionTime: time("Represents time when the job was completed."),
    conditions: list(ref(`${B}JobCondition`), "The latest available observations of an object's current state.", { type: "atomic", mergeKey: "type" }),
    failed: i32("The number of pods which reached phase Failed."),
    failedIndexes: str("FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set."),
    ready: i32("The number of active pods which have a Ready condition and are not terminating."),
    startTime: time("Represents time when the job controller started processing a job."),
    succeeded: i32("The number of pods which reached phase Succeeded."),
    terminating: i32("The number of pods which are terminating (that have .metadata.deletionTimestamp)."),
    uncountedTerminatedPods: ref(`${B}UncountedTerminatedPods`, "uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn't yet accounted for in the status counters."),
  }),
  [`${B}UncountedTerminatedPods`]: obj("UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job status counters.", {
    failed: strList("failed holds UIDs of failed Pods.", "set"),
    succeeded: strList("succeeded holds UIDs of succeeded Pods.", "set"),
  }),
  [`${B}JobCondition`]: obj("JobCondition describes current state of a job.", {
    lastProbeTime: time("Last time the condition was checked."),
    lastTransitionTime: time("Last time the condition transit from one status to another."),
    message: str("Human readable message indicating details about last transition."),
    reason: str("(brief) reason for the condition's last transition."),
    status: str("Status of the condition, one of True, False, Unknown."),
    type: str("Type of job condition, Complete or Failed."),
  }, ["type", "status"]),
  [`${B}JobTemplateSpec`]: obj("JobTemplateSpec describes the data a Job should have when created from a template", {
    metadata: ref(REF.objectMeta, "Standard object's metadata of the jobs created from this template."),
    spec: ref(`${B}JobSpec`, "Specification of the desired behavior of the job."),
  }),
  [`${B}CronJob`]: kind(batch("CronJob"), "CronJob represents the configuration of a single cron job.", {
    spec: ref(`${B}CronJobSpec`, "Specification of the desired behavior of a cron job, including the schedule."),
    status: ref(`${B}CronJobStatus`, "Current status of a cron job."),
  }),
  [`${B}CronJobSpec`]: obj("CronJobSpec describes how the job execution will look like and when it will actually run.", {
    concurrencyPolicy: oneOf(["Allow", "Forbid", "Replace"], "Specifies how to treat concurrent executions of a Job."),
    failedJobsHistoryLimit: i32("The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1."),
    jobTemplate: ref(`${B}JobTemplateSpec`, "Specifies the job that will be created when executing a CronJob."),
    schedule: str("The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    startingDeadlineSeconds: i64("Optional deadline in seconds for starting the job if it misses scheduled time for any reason."),
    successfulJobsHistoryLimit: i32("The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3."),
    suspend: bool("This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false."),
    timeZone: str("The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
  }, ["schedule", "jobTemplate"]),
  [`${B}CronJobStatus`]: obj("CronJobStatus represents the current state of a cron job.", {
    active: atomicList(`${C}ObjectReference`, "A list of pointers to currently running jobs."),
    lastScheduleTime: time("Information when was the last time the job was successfully scheduled."),
    lastSuccessfulTime: time("Information when was the last time the job successfully completed."),
  }),
};
