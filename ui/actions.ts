/** The view's writes, each one normal API request as kubectl makes it. */
import { RESTARTED_AT_ANNOTATION } from "../lib/deployment-revisions.js";
import { planUndo, rolledBack } from "../lib/rollout.js";
import type { Deployment, ReplicaSet } from "../lib/types.js";
import type { Api } from "./api.js";

const MERGE = "application/merge-patch+json";
const seg = encodeURIComponent;

/** Path of a workload object in apps/v1. */
export const appsPath = (resource: string, ns: string, name: string): string => `/apis/apps/v1/namespaces/${seg(ns)}/${resource}/${seg(name)}`;
/** Path of a pod. */
export const podPath = (ns: string, name: string): string => `/api/v1/namespaces/${seg(ns)}/pods/${seg(name)}`;

/** `kctl scale --replicas N`: a merge patch of the scale subresource. */
export function scale(api: Api, resource: string, ns: string, name: string, replicas: number): Promise<unknown> {
  return api.request("PATCH", `${appsPath(resource, ns, name)}/scale`, { body: { spec: { replicas } }, contentType: MERGE });
}

/** `kctl rollout restart`: stamp the template's restartedAt annotation (a new rollout). */
export function rolloutRestart(api: Api, resource: string, ns: string, name: string): Promise<unknown> {
  const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } } } } };
  return api.request("PATCH", appsPath(resource, ns, name), { body, contentType: MERGE });
}

/** `kctl delete pod`: its controller replaces it (self-healing, on purpose). */
export function deletePod(api: Api, ns: string, name: string): Promise<unknown> {
  return api.request("DELETE", podPath(ns, name));
}

/** The revision `rolloutUndo` would go back to, or undefined when there is none to go back to. */
export function undoTarget(d: Deployment, rss: readonly ReplicaSet[]): number | undefined {
  const plan = planUndo(d, rss);
  return plan.type === "rollback" ? plan.revision : undefined;
}

/**
 * `kctl rollout undo`: the previous revision's template put back into the Deployment (its
 * controller then scales that ReplicaSet up again). The same plan as the CLI's (lib/rollout.ts).
 */
export async function rolloutUndo(api: Api, d: Deployment, rss: readonly ReplicaSet[]): Promise<number> {
  const plan = planUndo(d, rss);
  if (plan.type === "error") throw new Error(plan.message);
  if (plan.type === "skip") throw new Error(`skipped rollback (current template already matches revision ${plan.revision})`);
  await api.request("PUT", appsPath("deployments", d.metadata.namespace ?? "default", d.metadata.name ?? ""), { body: rolledBack(d, plan) });
  return plan.revision;
}
