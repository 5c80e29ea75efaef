/**
 * The fields a field selector can match without parsing a stored object's JSON. Kubernetes
 * limits field selectors to a few fields per kind (pods: spec.nodeName, status.phase, ...); kctl
 * accepts any path, and these common ones are kept with each stored object so that a kubelet's
 * `fieldSelector=spec.nodeName=...` over 10,000 pods stays a scan of small values. Other paths
 * still work: the matcher parses the object for them.
 */
import { fieldValue } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";

/** Per resource id, the kept fields besides metadata.name and metadata.namespace (Kubernetes' own sets). */
const BY_RESOURCE: Readonly<Record<string, readonly string[]>> = {
  pods: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"],
  events: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.fieldPath", "reason", "type"],
  secrets: ["type"],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  "replicasets.apps": ["status.replicas"],
};

const PATHS = new Map<string, readonly (readonly string[])[]>(
  Object.entries(BY_RESOURCE).map(([r, fields]) => [r, fields.map((f) => f.split("."))]),
);

/** The kept fields of a resource, in the order `keptFieldValues` returns their values. */
export function keptFields(resource: string): readonly string[] | undefined {
  return BY_RESOURCE[resource];
}

/**
 * The values of the kept fields of `obj` as a field selector sees them (missing = `""`), or
 * undefined when its resource keeps none.
 */
export function keptFieldValues(resource: string, obj: KObject): string[] | undefined {
  return PATHS.get(resource)?.map((path) => fieldValue(obj, path));
}
