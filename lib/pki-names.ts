/**
 * Certificate names the API server and the kubelets agree on (one place, because the two sides
 * never import each other).
 */

/** CN of the client certificate the API server presents to kubelets; kubelets accept only it. */
export const KUBELET_CLIENT_CN = "kctl:apiserver-kubelet-client";

/** CN of a node's kubelet serving certificate; the API server checks it when proxying to that node. */
export function nodeCommonName(nodeName: string): string {
  return `system:node:${nodeName}`;
}
