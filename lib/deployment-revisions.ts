/**
 * Deployment revision bookkeeping in Kubernetes' wire names, shared by the deployment controller
 * (which writes it) and the CLI's rollout commands (which read it, as kubectl does).
 */
import type { DeploymentCondition, DeploymentStatus } from "./types.js";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** The revision annotation of a Deployment or ReplicaSet (0 when absent or not a number). */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const v = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? "0");
  return Number.isFinite(v) ? v : 0;
}

/** The condition of `type`, if set. */
export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
