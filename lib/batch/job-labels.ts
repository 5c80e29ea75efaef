/**
 * The labels and annotations Kubernetes' Job machinery puts on Jobs and their pods, shared by
 * the API server (selector generation), the Job controller, the CronJob controller and the CLI.
 */

/** The generated selector's key (and a label on every pod of the Job). */
export const LABEL_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
/** The Job's name on its pods. */
export const LABEL_JOB_NAME = "batch.kubernetes.io/job-name";
/** The pre-1.27 unprefixed labels Kubernetes still adds for old selectors and scripts. */
export const LEGACY_LABEL_CONTROLLER_UID = "controller-uid";
export const LEGACY_LABEL_JOB_NAME = "job-name";
/** Indexed Jobs: the pod's completion index (annotation and label). */
export const ANNOTATION_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
/** Indexed Jobs with backoffLimitPerIndex: how many times the pod's index failed before it. */
export const ANNOTATION_INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";
/** The controller that owns a Job unless `spec.managedBy` names another. */
export const JOB_CONTROLLER_NAME = "kubernetes.io/job-controller";
/** Indexed Jobs: the env var a container reads its index from. */
export const ENV_COMPLETION_INDEX = "JOB_COMPLETION_INDEX";
/** The finalizer that keeps a Job pod until the Job controller has counted it (controllers/job/tracking.ts). */
export const FINALIZER_JOB_TRACKING = "batch.kubernetes.io/job-tracking";
/** Set on Jobs a CronJob created: when they were scheduled (RFC 3339). */
export const ANNOTATION_CRONJOB_SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** `kubectl create job --from=cronjob/X` marks the Job as started by hand. */
export const ANNOTATION_CRONJOB_INSTANTIATE = "cronjob.kubernetes.io/instantiate";
