/**
 * The body half of the node rules (Kubernetes' NodeRestriction): a create names its object in
 * the body, not the URL, so the authorizer sees no name. Before the handler runs, a node may only
 * create a Node or a node Lease named after itself.
 */
import type { FastifyRequest } from "fastify";
import { forbidden } from "../../lib/errors.js";
import { decodeObjectBody } from "../request-body.js";
import { NODE_LEASE_NAMESPACE } from "./node.js";

const NODE_CREATE = /^\/api\/v1\/nodes\/?(\?|$)/;
const LEASE_CREATE = new RegExp(`^/apis/coordination\\.k8s\\.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases/?(\\?|$)`);

/** Throw 403 when a node creates a Node or Lease under another name. */
export function admitNodeCreate(req: FastifyRequest): void {
  const user = req.kctlUser;
  if (!user || user.role !== "node" || !user.node || req.method !== "POST") return;
  const what = NODE_CREATE.test(req.url) ? "Node" : LEASE_CREATE.test(req.url) ? "Lease" : undefined;
  if (!what) return;
  let name: string | undefined;
  try {
    name = (decodeObjectBody(req.body, req.headers["content-type"]) as { metadata?: { name?: unknown } }).metadata?.name as string | undefined;
  } catch {
    name = undefined;
  }
  if (name !== user.node) {
    throw forbidden(`${what === "Node" ? "nodes" : "leases.coordination.k8s.io"} is forbidden: node "${user.node}" may only create its own ${what} ("${user.node}"${typeof name === "string" ? `, not "${name}"` : ""})`);
  }
}
