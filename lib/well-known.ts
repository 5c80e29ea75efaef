/**
 * Wire names more than one component reads or writes, defined once. Kubernetes' own names keep
 * their Kubernetes spelling; kctl's own live under `kctl.io/`. (Deployment revision annotations
 * and the pod-template-hash label are in deployment-revisions.ts and pod-template-hash.ts.)
 */

/** The namespace of node heart-beat Leases (kubelets write, the node lifecycle controller reads). */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/**
 * The pod annotation where the kubelet publishes the host ports a pod's container ports are
 * reachable on (JSON); every node's service proxy reads it to reach pods on other nodes.
 */
export const PORTS_ANNOTATION = "kctl.io/ports";

/** The label (and annotation) of nodes simulated by `kctl simulate-nodes`: no containers run. */
export const SIMULATED_LABEL = "kctl.io/simulated";
