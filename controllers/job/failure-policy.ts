/**
 * What a Job's podFailurePolicy says about one failed pod: the first rule whose onExitCodes (a
 * terminated container's exit code In/NotIn the values; 0 never matches) or onPodConditions
 * matches decides; no match counts the failure towards backoffLimit.
 */
import type { Job, Pod, PodFailurePolicyRule } from "../../lib/types.js";

export type FailureAction = PodFailurePolicyRule["action"];

function exitCodesMatch(rule: NonNullable<PodFailurePolicyRule["onExitCodes"]>, pod: Pod): boolean {
  const statuses = [...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    if (rule.containerName && cs.name !== rule.containerName) continue;
    const code = cs.state?.terminated?.exitCode ?? cs.lastState?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    const inValues = rule.values.includes(code);
    if (rule.operator === "In" ? inValues : !inValues) return true;
  }
  return false;
}

function conditionsMatch(patterns: NonNullable<PodFailurePolicyRule["onPodConditions"]>, pod: Pod): boolean {
  return patterns.some((p) => (pod.status?.conditions ?? []).some((c) => c.type === p.type && c.status === (p.status ?? "True")));
}

/** The action for a failed pod: the matching rule's, or "Count" when no rule matches. */
export function failureAction(job: Job, pod: Pod): FailureAction {
  for (const rule of job.spec.podFailurePolicy?.rules ?? []) {
    if (rule.onExitCodes && exitCodesMatch(rule.onExitCodes, pod)) return rule.action;
    if (rule.onPodConditions && conditionsMatch(rule.onPodConditions, pod)) return rule.action;
  }
  return "Count";
}
