/** The view's writes, each one normal API request as kubectl makes it. */
import { RESTARTED_AT_ANNOTATION } from "../lib/deployment-revisions.js";
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
