/**
 * A pod's containers by name, app and init alike: names are unique across both lists (the API
 * server validates it), so a name alone says which spec, and which event fieldPath, it is.
 */
import type { Container, Pod } from "../lib/types.js";

/** A container of the pod by name: an app container or an init container. */
export function containerSpec(pod: Pod, name: string): Container | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? pod.spec.initContainers?.find((c) => c.name === name);
}

/** The event fieldPath of a container: `spec.containers{name}`, or `spec.initContainers{name}`. */
export function containerFieldPath(pod: Pod | undefined, name: string): string {
  return pod?.spec.initContainers?.some((c) => c.name === name) ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
}
