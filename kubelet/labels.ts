/**
 * Docker labels that tie a container to its pod: the kubelet's only record of "actual state".
 * The names follow dockershim's, so `docker ps --filter label=io.kubernetes.pod.name=web-1`
 * works as a Kubernetes user expects.
 */

export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
/** The node (kctl agent) that owns this container: several agents may share one engine. */
export const LABEL_NODE = "kctl.io/node";
/** "sandbox" for the pod's network-namespace holder, "container" for the user's containers. */
export const LABEL_ROLE = "kctl.io/role";
/** How many times this container had been restarted when this Docker container was created. */
export const LABEL_RESTART_COUNT = "kctl.io/restart-count";
/** Marks every container kctl manages (so cleanup by label catches everything). */
export const LABEL_MANAGED = "kctl.io/managed";

export type ContainerRole = "sandbox" | "container";
