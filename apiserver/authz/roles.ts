/**
 * The user roles (`kctl token create --role`), as Kubernetes' default ClusterRoles roughly are:
 *
 *   admin  everything (a namespaced admin token: everything inside its namespace, no tokens)
 *   edit   read everything in scope; write workloads: pods (and exec, port-forward), deployments, replicasets,
 *          statefulsets, services, configmaps, secrets, persistentvolumeclaims (and the scale
 *          subresources)
 *   view   get/list/watch everything in scope except Secrets (whose values are the secret part)
 *
 * A token with a namespace is confined to it: cluster-scoped kinds (nodes, namespaces) and
 * all-namespace lists are refused. Only a cluster admin manages tokens and joins nodes.
 * Pure functions: no store, no I/O.
 */
import type { User } from "../security/auth.js";

const READ_VERBS = new Set(["get", "list", "watch"]);
/** What edit may write (resource with subresource, as the routes report it). */
const EDIT_WRITABLE = new Set([
  "pods", "pods/exec", "pods/attach", "pods/portforward", "pods/status", "deployments", "deployments/scale", "replicasets", "replicasets/scale",
  "statefulsets", "statefulsets/scale", "services", "configmaps", "secrets", "events", "persistentvolumeclaims",
]);
/** Cluster-scoped kinds: out of reach of a namespaced token. */
const CLUSTER_SCOPED = new Set(["nodes", "nodes/status", "namespaces", "namespaces/status", "persistentvolumes", "persistentvolumes/status", "storageclasses"]);
/** kctl's own security endpoints: cluster admins only. */
export const TOKEN_RESOURCES = new Set(["tokens", "jointokens", "usertokens", "nodecredentials"]);

const base = (resource: string): string => resource.split("/")[0]!;

function cannot(user: User, verb: string, resource: string, namespace: string | undefined): string {
  const where = namespace ? ` in the namespace "${namespace}"` : resource && !CLUSTER_SCOPED.has(resource) ? " across all namespaces" : "";
  // Kubernetes' wording (clients and tests match on it), then the role that decided.
  return `User "${user.name}" cannot ${verb} resource "${resource}"${where} (role ${user.role}${user.namespace ? ` limited to namespace "${user.namespace}"` : ""})`;
}

/** The role check for users (admin/edit/view) and the refusals for bootstrap and unbound node tokens. */
export function authorizeByRole(user: User, verb: string, resource: string, namespace: string | undefined, _name?: string): true | string {
  if (user.role === "bootstrap") return `User "${user.name}" is a join token: it may only exchange itself for a node credential`;
  if (user.role === "node") return `User "${user.name}" is a node token without a node name: re-join the node with a join token (kctl token create)`;
  const tokens = TOKEN_RESOURCES.has(base(resource));
  if (user.namespace) {
    // A namespaced token: only namespaced kinds, only in its namespace, never tokens.
    if (tokens || CLUSTER_SCOPED.has(resource) || namespace !== user.namespace) return cannot(user, verb, resource, namespace);
  }
  switch (user.role) {
    case "admin":
      return tokens && user.namespace ? cannot(user, verb, resource, namespace) : true;
    case "edit":
      if (tokens) return cannot(user, verb, resource, namespace);
      if (READ_VERBS.has(verb) || (verb === "get" && resource === "pods/log")) return true;
      return EDIT_WRITABLE.has(resource) ? true : cannot(user, verb, resource, namespace);
    case "view":
      if (tokens || base(resource) === "secrets" || !READ_VERBS.has(verb)) return cannot(user, verb, resource, namespace);
      return resource === "pods/exec" || resource === "pods/attach" ? cannot(user, verb, resource, namespace) : true;
  }
}
