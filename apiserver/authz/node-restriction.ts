/**
 * Kubernetes' NodeRestriction admission, cut to what kctl's kubelet writes. The authorizer
 * (node.ts) already confined a node credential to its own Node, its own Lease and pods bound to
 * it by the path; this plugin checks the objects:
 *
 *   create nodes                      only the Node named after the node
 *   create leases (kube-node-lease)   only the Lease named after the node
 *   update/patch pods, pods/status    only metadata.annotations (the kubelet's kctl.io/ports
 *                                     patch) and status (its status updates) may change; labels,
 *                                     finalizers, ownerReferences, spec, ... stay as stored
 *   update/patch persistentvolumes    only of a volume pinned to the node, and only removing the
 *                                     kctl.io/local-path-cleanup finalizer (its directory is gone)
 *
 * Labels would let a node pull another Service's traffic to its pods, finalizers block deletions,
 * ownerReferences hand its pods to another controller: Kubernetes refuses all three to nodes.
 */
import { deepEqual } from "../../lib/json.js";
import { LOCAL_PATH_CLEANUP_FINALIZER, volumeAllowsNode } from "../../lib/storage.js";
import type { KObject, PersistentVolume } from "../../lib/types.js";
import type { AdmissionPlugin, AdmissionRequest } from "./admission.js";
import { NODE_LEASE_NAMESPACE } from "./node.js";

/** Metadata the registry sets itself on every update (the body's values are preconditions only). */
const SERVER_SET_METADATA = ["resourceVersion", "generation"] as const;

/** What a node may change on a pod bound to it. */
const NODE_MUTABLE_POD_FIELDS = "metadata.annotations and status";

/** The NodeRestriction plugin: admits everything from callers other than node credentials. */
export const nodeRestriction: AdmissionPlugin = (req) => {
  const node = req.user.role === "node" ? req.user.node : undefined;
  if (!node) return true;
  const who = `node "${node}"`;
  const resource = req.ri.group ? `${req.ri.plural}.${req.ri.group}` : req.ri.plural;
  const name = req.obj.metadata.name;
  switch (resource) {
    case "nodes":
      if (req.verb === "create" && name !== node) return `${who} may only create its own Node ("${node}"${nameShown(name)})`;
      return true;
    case "leases.coordination.k8s.io":
      if (req.verb === "create" && (name !== node || req.obj.metadata.namespace !== NODE_LEASE_NAMESPACE)) {
        return `${who} may only create its own Lease ("${node}" in ${NODE_LEASE_NAMESPACE}${nameShown(name)})`;
      }
      return true;
    case "pods":
      return req.verb === "update" ? admitPodUpdate(req, node) : true;
    case "persistentvolumes":
      return admitVolumeUpdate(req, node);
    default:
      return true;
  }
};

/** A node may only drop the local-path cleanup finalizer of a volume pinned to it. */
function admitVolumeUpdate(req: AdmissionRequest, node: string): true | string {
  const who = `node "${node}"`;
  const old = req.old as PersistentVolume | undefined;
  if (!old) return `${who} may not ${req.verb} persistentvolumes`;
  if (!old.spec.nodeAffinity || !volumeAllowsNode(old, { metadata: { name: node } })) return `${who} may only change volumes pinned to it`;
  const strip = (o: KObject): KObject => {
    const meta: Record<string, unknown> = { ...o.metadata };
    delete meta.finalizers;
    for (const k of SERVER_SET_METADATA) delete meta[k];
    return { ...o, metadata: meta };
  };
  const kept = (old.metadata.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
  if (!deepEqual(kept, req.obj.metadata.finalizers ?? []) || !deepEqual(strip(old), strip(req.obj))) return `${who} may only remove the ${LOCAL_PATH_CLEANUP_FINALIZER} finalizer of a volume`;
  return true;
}

function nameShown(name: string | undefined): string {
  return typeof name === "string" ? `, not "${name}"` : ", not a generated name";
}

function admitPodUpdate(req: AdmissionRequest, node: string): true | string {
  const old = req.old;
  if (!old) return true;
  const who = `node "${node}"`;
  const boundTo = (old.spec as { nodeName?: unknown } | undefined)?.nodeName;
  if (boundTo !== node) return `${who} may only change pods bound to it`;
  const changed = firstChangedField(withoutNodeMutable(old), withoutNodeMutable(req.obj));
  if (changed === undefined) return true;
  return `${who} may only change ${NODE_MUTABLE_POD_FIELDS} of pods bound to it, not ${changed}`;
}

/** A copy of `o` without the fields a node may change and those the server sets. */
function withoutNodeMutable(o: KObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = o as KObject & { status?: unknown };
  const { annotations: _annotations, ...meta } = metadata as Record<string, unknown>;
  for (const k of SERVER_SET_METADATA) delete meta[k];
  return { ...rest, metadata: meta };
}

/** `metadata.labels`, `spec`, ...: the first top-level or metadata field that differs. */
function firstChangedField(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  if (deepEqual(a, b)) return undefined;
  const ma = a.metadata as Record<string, unknown>;
  const mb = b.metadata as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)])) if (!deepEqual(ma[k], mb[k])) return `metadata.${k}`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (k !== "metadata" && !deepEqual(a[k], b[k])) return k;
  return "the object";
}
