import { describe, expect, it } from "vitest";
import { buildGraph, missingOwners, planDependent, planOwner } from "../../controllers/gc/plan.js";
import type { KObject } from "../../lib/types.js";

function obj(name: string, owners: { uid: string; block?: boolean }[] = [], extra: Partial<KObject["metadata"]> = {}): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: name, ownerReferences: owners.map((o) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.uid, uid: o.uid, blockOwnerDeletion: o.block })), ...extra },
  };
}

describe("planDependent", () => {
  it("deletes a dependent whose only owner is gone, in the background", () => {
    const d = obj("p", [{ uid: "rs" }]);
    const g = buildGraph([d]);
    expect(missingOwners(d, g).map((r) => r.uid)).toEqual(["rs"]);
    expect(planDependent(d, new Set(["rs"]))).toEqual({ type: "delete", obj: d, propagationPolicy: "Background" });
  });
  it("waits for confirmation: a cache miss alone deletes nothing", () => {
    const d = obj("p", [{ uid: "rs" }]);
    expect(planDependent(d, new Set())).toBeUndefined();
  });
  it("drops only the dangling reference when another owner remains", () => {
    const d = obj("p", [{ uid: "a" }, { uid: "b" }]);
    expect(missingOwners(d, buildGraph([d, obj("b")])).map((r) => r.uid)).toEqual(["a"]);
    expect(planDependent(d, new Set(["a"]))).toEqual({ type: "removeOwnerRefs", obj: d, uids: ["a"] });
  });
  it("ignores objects without owners or already terminating", () => {
    expect(planDependent(obj("x"), new Set())).toBeUndefined();
    expect(planDependent(obj("x", [{ uid: "a" }], { deletionTimestamp: "t" }), new Set(["a"]))).toBeUndefined();
  });
});

describe("planOwner", () => {
  it("orphan: strips references, then removes the finalizer", () => {
    const owner = obj("rs", [], { deletionTimestamp: "t", finalizers: ["orphan"] });
    const dep = obj("p", [{ uid: "rs", block: true }]);
    expect(planOwner(owner, buildGraph([owner, dep]))).toEqual([{ type: "removeOwnerRefs", obj: dep, uids: ["rs"] }]);
    expect(planOwner(owner, buildGraph([owner]))).toEqual([{ type: "removeFinalizer", obj: owner, finalizer: "orphan" }]);
  });
  it("foreground: deletes dependents (foreground), keeps the finalizer while a blocking one exists", () => {
    const owner = obj("d", [], { deletionTimestamp: "t", finalizers: ["foregroundDeletion"] });
    const blocking = obj("rs", [{ uid: "d", block: true }]);
    const loose = obj("ev", [{ uid: "d" }]);
    expect(planOwner(owner, buildGraph([owner, blocking, loose]))).toEqual([
      { type: "delete", obj: blocking, propagationPolicy: "Foreground" },
      { type: "delete", obj: loose, propagationPolicy: "Foreground" },
    ]);
    const terminating = obj("rs", [{ uid: "d", block: true }], { deletionTimestamp: "t" });
    expect(planOwner(owner, buildGraph([owner, terminating]))).toEqual([]);
    expect(planOwner(owner, buildGraph([owner, loose]))).toEqual([
      { type: "delete", obj: loose, propagationPolicy: "Foreground" },
      { type: "removeFinalizer", obj: owner, finalizer: "foregroundDeletion" },
    ]);
  });
  it("does nothing for owners not being deleted or without GC finalizers", () => {
    expect(planOwner(obj("d"), buildGraph([]))).toEqual([]);
    expect(planOwner(obj("d", [], { deletionTimestamp: "t", finalizers: ["example.com/x"] }), buildGraph([]))).toEqual([]);
  });
});
