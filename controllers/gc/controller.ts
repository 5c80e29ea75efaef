/**
 * The garbage collector: deletes dependents whose owners are gone, and carries out the
 * `foregroundDeletion` and `orphan` finalizers the API server puts on owners deleted with
 * `propagationPolicy=Foreground|Orphan`.
 *
 * It keeps no graph of its own: the shared informers of the watched kinds, indexed by uid and by
 * owner uid, are the graph. Work items are `Kind|namespace/name`. An owner missing from the cache
 * is confirmed with a live GET before anything is deleted, since caches of different kinds lag
 * independently.
 */
import { isConflict, isNotFound } from "../../lib/errors.js";
import type { Informer } from "../../lib/informer.js";
import { RESOURCES, resourceForKind } from "../../lib/kinds.js";
import type { Logger } from "../../lib/logger.js";
import type { KObject, OwnerReference } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { BY_OWNER, BY_UID } from "../../lib/shared-informers.js";
import { Controller } from "../runner.js";
import { objectKey } from "../../lib/informer.js";
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, planDependent, planOwner, type GcAction, type Graph } from "./plan.js";

export const GARBAGE_COLLECTOR = "garbage-collector-controller";

/**
 * Kinds whose objects the GC watches as owners and dependents: every kind the API serves (a new
 * kind is collected without a change here) except Events (many, never owners or owned by
 * controllers) and Namespaces (their contents go with them by the namespace lifecycle).
 */
export const GC_KINDS: readonly string[] = RESOURCES.filter((r) => r.kind !== "Event" && r.kind !== "Namespace").map((r) => r.kind);

/** Build the garbage collector. */
export function newGarbageCollector(ctx: ControllerContext, kinds: readonly string[] = GC_KINDS): Controller {
  const informers = new Map<string, Informer<KObject>>(kinds.map((k) => [k, ctx.informers.get<KObject>(k)]));
  const controller = new Controller({ name: GARBAGE_COLLECTOR, logger: ctx.logger, workers: ctx.workers, reconcile: (k, l) => reconcile(k, l) });
  const item = (obj: KObject): string => `${obj.kind}|${objectKey(obj)}`;

  const byUid = (uid: string): KObject | undefined => {
    for (const inf of informers.values()) {
      const found = inf.byIndex(BY_UID, uid);
      if (found.length) return found[0];
    }
    return undefined;
  };
  const dependentsOf = (uid: string): KObject[] => [...informers.values()].flatMap((inf) => inf.byIndex(BY_OWNER, uid));
  const isGcOwner = (obj: KObject): boolean => Boolean(obj.metadata.deletionTimestamp && obj.metadata.finalizers?.some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER));

  /** Wake the owners of `obj` that are waiting on their dependents. */
  const wakeOwners = (obj: KObject): void => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = byUid(ref.uid);
      if (owner && isGcOwner(owner)) controller.enqueue(item(owner));
    }
  };

  for (const [kind, inf] of informers) {
    inf.addEventHandler({
      onAdd: (o) => {
        if (o.metadata.ownerReferences?.length || isGcOwner(o)) controller.enqueue(item({ ...o, kind }));
      },
      onUpdate: (old, o) => {
        if (old.metadata.resourceVersion === o.metadata.resourceVersion) return;
        if (o.metadata.ownerReferences?.length || isGcOwner(o)) controller.enqueue(item({ ...o, kind }));
        if (o.metadata.deletionTimestamp) wakeOwners(o);
      },
      onDelete: (o) => {
        // Its dependents may now be orphans; its owners may be waiting for it.
        for (const d of dependentsOf(o.metadata.uid ?? "")) controller.enqueue(item(d));
        wakeOwners(o);
      },
    });
  }

  const graph: Graph = { has: (uid) => byUid(uid) !== undefined, dependents: dependentsOf };

  async function reconcile(workItem: string, log: Logger): Promise<void> {
    const bar = workItem.indexOf("|");
    const kind = workItem.slice(0, bar);
    const key = workItem.slice(bar + 1);
    const obj = informers.get(kind)?.get(key);
    if (!obj) return;
    const withKind = { ...obj, kind };
    if (isGcOwner(withKind)) {
      for (const a of planOwner(withKind, graph)) await apply(a, log);
    }
    const missing = (obj.metadata.ownerReferences ?? []).filter((r) => !byUid(r.uid));
    if (missing.length === 0) return;
    const absent = new Set<string>();
    for (const ref of missing) if (await ownerAbsent(ref, obj.metadata.namespace)) absent.add(ref.uid);
    const action = planDependent(withKind, absent);
    if (action) await apply(action, log);
  }

  /** Live check: the owner does not exist, or exists with another uid (deleted and recreated). */
  async function ownerAbsent(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const r = resourceForKind(ref.kind);
    if (!r) return false; // a kind we do not serve: never guess
    try {
      const live = await ctx.client.get<KObject>(ref.kind, ref.name, r.namespaced ? namespace : undefined);
      return live.metadata.uid !== ref.uid;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  async function apply(a: GcAction, log: Logger): Promise<void> {
    const { kind, metadata } = a.obj;
    const name = metadata.name ?? "";
    const namespace = metadata.namespace;
    try {
      switch (a.type) {
        case "delete":
          await ctx.client.delete(kind, name, { namespace, propagationPolicy: a.propagationPolicy, preconditions: { uid: metadata.uid } });
          log.debug({ kind, name, policy: a.propagationPolicy }, "deleted dependent");
          return;
        case "removeOwnerRefs": {
          const refs = (metadata.ownerReferences ?? []).filter((r) => !a.uids.includes(r.uid));
          await ctx.client.patch(kind, name, { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: metadata.resourceVersion } }, { namespace });
          return;
        }
        case "removeFinalizer": {
          const finalizers = (metadata.finalizers ?? []).filter((f) => f !== a.finalizer);
          await ctx.client.patch(kind, name, { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: metadata.resourceVersion } }, { namespace });
          log.debug({ kind, name, finalizer: a.finalizer }, "removed finalizer");
          return;
        }
      }
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err) && a.type === "delete") return; // uid precondition: it is another object now
      throw err;
    }
  }

  return controller;
}
