/**
 * What a node credential (`system:node:<name>`) may do: Kubernetes' node authorizer plus
 * NodeRestriction, cut to what kctl's kubelet does.
 *
 *   nodes            get/list/watch all; create/update/patch only its own (and its status)
 *   leases           get/create/update/patch only its own, in kube-node-lease
 *   pods             list/watch all (the service proxy reads every pod's kctl.io/ports, as
 *                    Kubernetes' system:node rules allow); get, update/patch (annotations and
 *                    status) and delete only pods bound to it; never create, bind, log or exec
 *   services, endpoints, namespaces   get/list/watch
 *   configmaps, secrets               get, and list/watch of one by name (fieldSelector
 *                                     metadata.name, as its watch-based manager asks), only those
 *                                     a pod bound to it references
 *   persistentvolumeclaims            get only, and only those a pod bound to it mounts
 *   persistentvolumes                 get/list/watch (it mounts them and removes the directories
 *                                     of its local-path volumes); update/patch only to drop the
 *                                     local-path cleanup finalizer of a volume pinned to it
 *                                     (checked on the object by node-restriction.ts)
 *   events           create/update/patch
 *
 * Everything else is refused with a reason naming the rule. These rules see the canonical path
 * (routes/request-path.ts), whatever its spelling. What the path cannot show (a create's name is
 * in the body; which fields an update changes) is checked on the objects by the NodeRestriction
 * admission plugin (node-restriction.ts).
 */
import type { Pod } from "../../lib/types.js";
import type { Store } from "../store/store.js";
import type { User } from "../security/auth.js";
import { podReferences } from "../../lib/pod-references.js";
import { NODE_LEASE_NAMESPACE } from "../../lib/well-known.js";

export { NODE_LEASE_NAMESPACE };
const READ = new Set(["get", "list", "watch"]);
const WRITE_OWN = new Set(["get", "create", "update", "patch"]);

/** Rules for a node credential. `store` answers "is this pod bound to me / is this secret used". */
export function authorizeNode(store: Pick<Store, "get" | "list">, user: User, verb: string, resource: string, namespace: string | undefined, name: string | undefined): true | string {
  const node = user.node!;
  const who = `node "${node}"`;
  switch (resource) {
    case "nodes":
    case "nodes/status":
      if (READ.has(verb) && resource === "nodes") return true;
      if ((verb === "create" && (name === undefined || name === node)) || ((verb === "update" || verb === "patch") && name === node)) return true;
      if (verb === "get" && name === node) return true;
      return `${who} may only modify its own Node object${name ? ` (not "${name}")` : ""}; it may read all nodes`;
    case "leases":
      if (namespace === NODE_LEASE_NAMESPACE && WRITE_OWN.has(verb) && (name === node || (verb === "create" && name === undefined))) return true;
      return `${who} may only get, create and update its own Lease "${node}" in ${NODE_LEASE_NAMESPACE}`;
    case "pods":
    case "pods/status": {
      if (resource === "pods" && (verb === "list" || verb === "watch")) return true;
      if (["get", "update", "patch", "delete"].includes(verb) && namespace && name) {
        const boundTo = store.get("pods", namespace, name)?.field("spec.nodeName");
        // A missing pod is answered by the handler (404): there is nothing to protect.
        if (boundTo === undefined || boundTo === node) return true;
        return `${who} may only ${verb} pods bound to it (pod "${namespace}/${name}" is bound to ${boundTo ? `"${boundTo}"` : "no node"})`;
      }
      return `${who} may not ${verb} ${resource}: it may list/watch pods and read or update the status of pods bound to it`;
    }
    case "services":
    case "endpoints":
    case "namespaces":
      return READ.has(verb) ? true : `${who} may only read ${resource}`;
    case "events":
      return verb === "create" || verb === "update" || verb === "patch" ? true : `${who} may only create and update events`;
    case "configmaps":
    case "secrets": {
      const kind = resource === "secrets" ? "secret" : "configMap";
      // A list or watch names its object through fieldSelector=metadata.name (resources.ts).
      if (!READ.has(verb) || !namespace || !name) return `${who} may only get ${resource} referenced by pods bound to it, or watch one of them by name (not ${verb} them)`;
      for (const e of store.list("pods", namespace)) {
        // spec.nodeName is kept with each stored pod: only this node's pods are parsed.
        if (e.field("spec.nodeName") === node && podReferences(e.object() as Pod, kind).has(name)) return true;
      }
      return `${who} may only get ${resource} referenced by pods bound to it ("${namespace}/${name}" is not)`;
    }
    case "persistentvolumeclaims": {
      if (verb !== "get" || !namespace || !name) return `${who} may only get persistentvolumeclaims mounted by pods bound to it (not ${verb} them)`;
      for (const e of store.list("pods", namespace)) {
        if (e.field("spec.nodeName") === node && ((e.object() as Pod).spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)) return true;
      }
      return `${who} may only get persistentvolumeclaims mounted by pods bound to it ("${namespace}/${name}" is not)`;
    }
    case "persistentvolumes":
      if (READ.has(verb) || ((verb === "update" || verb === "patch") && name)) return true;
      return `${who} may only read persistentvolumes (and drop the local-path cleanup finalizer of its own)`;
    default:
      return `${who} may not ${verb} ${resource || "this path"}`;
  }
}
