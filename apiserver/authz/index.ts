/**
 * The API server's authorizer: node credentials get the node rules (node.ts), everyone else the
 * role rules (roles.ts). It reads the store (which pods are bound to a node, which secrets they
 * use), so it is built per server in app.ts.
 */
import type { Authorizer, User } from "../security/auth.js";
import type { Store } from "../store/store.js";
import { authorizeNode } from "./node.js";
import { authorizeByRole } from "./roles.js";

export { authorizeByRole, TOKEN_RESOURCES } from "./roles.js";
export { authorizeNode, NODE_LEASE_NAMESPACE } from "./node.js";

/** Node rules for node credentials, role rules for the rest. */
export class ClusterAuthorizer implements Authorizer {
  constructor(private readonly store: Pick<Store, "get" | "list">) {}

  authorize(user: User, verb: string, resource: string, namespace: string | undefined, name: string | undefined): true | string {
    if (user.role === "node" && user.node) return authorizeNode(this.store, user, verb, resource, namespace, name);
    return authorizeByRole(user, verb, resource, namespace, name);
  }
}
