/**
 * The garbage collector's pure decisions (Kubernetes' garbagecollector): which dependents to
 * delete because their owners are gone, which owner references to drop, and when a deleting owner's
 * `foregroundDeletion` or `orphan` finalizer can be removed.
 */
import type { KObject, OwnerReference } from "../../lib/types.js";
import { isTerminating } from "../util/pods.js";

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";

/** The object graph the GC sees: every object of the kinds it watches. */
export interface Graph {
  /** whether an object with this uid is known */
  has(uid: string): boolean;
  /** the objects that list `uid` among their owners */
  dependents(uid: string): readonly KObject[];
}

/** Build a graph from a list of objects (tests; the controller reads its informers' indexes). */
export function buildGraph(objects: Iterable<KObject>): Graph {
  const byUid = new Map<string, KObject>();
  const dependents = new Map<string, KObject[]>();
  for (const o of objects) {
    if (o.metadata.uid) byUid.set(o.metadata.uid, o);
    for (const ref of o.metadata.ownerReferences ?? []) {
      let list = dependents.get(ref.uid);
      if (!list) dependents.set(ref.uid, (list = []));
      list.push(o);
    }
  }
  return { has: (uid) => byUid.has(uid), dependents: (uid) => dependents.get(uid) ?? [] };
}

/** An action on one object. */
export type GcAction =
  | { type: "delete"; obj: KObject; propagationPolicy: "Background" | "Foreground" }
  | { type: "removeOwnerRefs"; obj: KObject; uids: string[] }
  | { type: "removeFinalizer"; obj: KObject; finalizer: string };

/**
 * Plan for a dependent given which of its owners are confirmed gone. Owners absent from the
 * graph ({@link missingOwners}) are only *candidates*: `confirmAbsent` (a live GET in the controller) must say they
 * are really gone, since a cache can lag. If every owner is gone the dependent is deleted
 * (background); if only some are, the dangling references are dropped.
 */
export function planDependent(obj: KObject, confirmedAbsent: ReadonlySet<string>): GcAction | undefined {
  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0 || isTerminating(obj)) return undefined;
  const absent = refs.filter((r) => confirmedAbsent.has(r.uid));
  if (absent.length === 0) return undefined;
  if (absent.length === refs.length) return { type: "delete", obj, propagationPolicy: "Background" };
  return { type: "removeOwnerRefs", obj, uids: absent.map((r) => r.uid) };
}

/** Owner references of `obj` whose owners are missing from the graph (need a live check). */
export function missingOwners(obj: KObject, graph: Graph): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => !graph.has(r.uid));
}

/**
 * Plan for an owner being deleted with a GC finalizer:
 * - `orphan`: drop our references from every dependent, then the finalizer.
 * - `foregroundDeletion`: delete every dependent (foreground too, so it cascades), and remove the
 *   finalizer once no dependent that blocks owner deletion is left.
 */
export function planOwner(owner: KObject, graph: Graph): GcAction[] {
  if (!isTerminating(owner)) return [];
  const uid = owner.metadata.uid ?? "";
  const finalizers = owner.metadata.finalizers ?? [];
  const deps = graph.dependents(uid);
  if (finalizers.includes(ORPHAN_FINALIZER)) {
    if (deps.length > 0) return deps.map((obj) => ({ type: "removeOwnerRefs", obj, uids: [uid] }));
    return [{ type: "removeFinalizer", obj: owner, finalizer: ORPHAN_FINALIZER }];
  }
  if (finalizers.includes(FOREGROUND_FINALIZER)) {
    const actions: GcAction[] = [];
    for (const d of deps) if (!isTerminating(d)) actions.push({ type: "delete", obj: d, propagationPolicy: "Foreground" });
    const blocking = deps.filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion));
    // Non-blocking dependents are deleted but not waited for, as in Kubernetes.
    if (blocking.length === 0) actions.push({ type: "removeFinalizer", obj: owner, finalizer: FOREGROUND_FINALIZER });
    return actions;
  }
  return [];
}
