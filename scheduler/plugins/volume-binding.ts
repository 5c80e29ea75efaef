/**
 * VolumeBinding, after kube-scheduler's plugin of that name, in two steps:
 *
 * - `podVolumes` (PreFilter): read the pod's claims once per attempt. A claim that is missing or
 *   being deleted, or an unbound claim of an Immediate class, makes the pod unschedulable on every
 *   node with kube-scheduler's message. Otherwise it returns what the filter checks per node.
 * - `volumeFilter` (Filter): a bound claim's volume must allow the node (its node affinity); an
 *   unbound WaitForFirstConsumer claim needs a fitting static volume allowed on the node, or a
 *   class that can provision there (local-path: the node publishes its directory). A claim the
 *   scheduler already chose a node for keeps that node.
 *
 * After the pick, the scheduler writes the selected node on the unbound claims and waits for the
 * volume binder to bind them before it binds the pod (Kubernetes' PreBind, without blocking).
 */
import {
  claimClass, LOCAL_PATH_DIR_ANNOTATION, LOCAL_PATH_PROVISIONER, podClaimNames, SELECTED_NODE_ANNOTATION, volumeAllowsNode, volumeFitsClaim,
} from "../../lib/storage.js";
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from "../../lib/types.js";
import type { FilterResult, NodeInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
const NODE_CONFLICT = reasons(ERR_NODE_CONFLICT);
const BIND_CONFLICT = reasons(ERR_BIND_CONFLICT);

/** What the scheduler can look up (its informers' caches). */
export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): readonly PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
  /** is there a node of this name (a claim's selected node may have gone) */
  hasNode(name: string): boolean;
}

/** An unbound WaitForFirstConsumer claim and how it could be satisfied. */
export interface UnboundClaim {
  claim: PersistentVolumeClaim;
  /** static volumes that fit the claim (node affinity is checked per node) */
  candidates: PersistentVolume[];
  /** the class provisions local-path directories */
  localPath: boolean;
  /** the node chosen for it by an earlier attempt, if any */
  selectedNode?: string;
}

export type PodVolumes =
  | { kind: "none" }
  | { kind: "unschedulable"; message: string }
  | { kind: "check"; bound: PersistentVolume[]; unbound: UnboundClaim[] };

/** PreFilter: the pod's claims, resolved (see the file comment). */
export function podVolumes(pod: Pod, lookup: VolumeLookup): PodVolumes {
  const names = podClaimNames(pod.spec ?? { containers: [] });
  if (names.length === 0) return { kind: "none" };
  const ns = pod.metadata.namespace ?? "default";
  const bound: PersistentVolume[] = [];
  const unbound: UnboundClaim[] = [];
  for (const name of new Set(names)) {
    const claim = lookup.claim(ns, name);
    if (!claim) return { kind: "unschedulable", message: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp) return { kind: "unschedulable", message: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = claim.spec.volumeName;
    if (volumeName) {
      const pv = lookup.volume(volumeName);
      // Bound by name but its volume is not (yet) in the cache: wait, as for an unbound claim.
      if (!pv) return { kind: "unschedulable", message: `pod has unbound immediate PersistentVolumeClaims` };
      bound.push(pv);
      continue;
    }
    const className = claimClass(claim);
    const sc = className ? lookup.storageClass(className) : undefined;
    if ((sc?.volumeBindingMode ?? "Immediate") !== "WaitForFirstConsumer") return { kind: "unschedulable", message: "pod has unbound immediate PersistentVolumeClaims" };
    unbound.push({
      claim,
      candidates: lookup.volumes().filter((pv) => !pv.spec.claimRef && volumeFitsClaim(pv, claim)),
      localPath: sc?.provisioner === LOCAL_PATH_PROVISIONER,
      selectedNode: selectedNodeOf(claim, lookup),
    });
  }
  return { kind: "check", bound, unbound };
}

function selectedNodeOf(claim: PersistentVolumeClaim, lookup: VolumeLookup): string | undefined {
  const n = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
  return n && lookup.hasNode(n) ? n : undefined;
}

/** Filter: may the pod's volumes be used on `node`? */
export function volumeFilter(v: PodVolumes, node: NodeInfo): FilterResult {
  if (v.kind !== "check") return null;
  for (const pv of v.bound) if (!volumeAllowsNode(pv, node.node)) return NODE_CONFLICT;
  for (const u of v.unbound) {
    if (u.selectedNode && u.selectedNode !== node.name) return BIND_CONFLICT;
    const provisionable = u.localPath && Boolean(node.node.metadata.annotations?.[LOCAL_PATH_DIR_ANNOTATION]);
    if (!provisionable && !u.candidates.some((pv) => volumeAllowsNode(pv, node.node))) return BIND_CONFLICT;
  }
  return null;
}
