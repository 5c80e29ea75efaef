/**
 * The web view's batching (ui/watch-batch.ts): the watch worker folds every event between two
 * frames into one batch holding the last state of each object, and the page's copy of the caches
 * ends up as the worker's after applying it.
 */
import { describe, expect, it } from "vitest";
import type { KObject, Pod } from "../../lib/types.js";
import { type Batch, ChangeBatcher, type KindMirror, type KindName, KIND_NAMES, applyBatch, emptyMirror, keyOf } from "../../ui/watch-batch.js";

function pod(name: string, phase: string, ns = "default"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, resourceVersion: `${name}-${phase}` }, spec: { containers: [] }, status: { phase } } as Pod;
}

function mirrors(): Record<KindName, KindMirror> {
  const m = {} as Record<KindName, KindMirror>;
  for (const k of KIND_NAMES) m[k] = emptyMirror();
  return m;
}

const phases = (m: KindMirror): Record<string, string | undefined> =>
  Object.fromEntries([...m.cache].map(([k, o]) => [k, (o as Pod).status?.phase]));

describe("ChangeBatcher", () => {
  it("has nothing to send until something changed, and nothing again once taken", () => {
    const b = new ChangeBatcher();
    expect(b.dirty).toBe(false);
    expect(b.take()).toBeUndefined();
    b.upsert("pods", "default/a", pod("a", "Pending"));
    expect(b.dirty).toBe(true);
    expect(b.take()).toBeDefined();
    expect(b.dirty).toBe(false);
    expect(b.take()).toBeUndefined();
  });

  it("folds many events between two frames into one batch with the last state of each object", () => {
    const b = new ChangeBatcher();
    // 300 pods, each added then modified twice (scheduled, running): 900 events.
    for (const phase of ["Pending", "Scheduled", "Running"]) for (let i = 0; i < 300; i++) b.upsert("pods", `default/p${i}`, pod(`p${i}`, phase));
    const batch = b.take()!;
    expect(Object.keys(batch.kinds)).toEqual(["pods"]);
    const pods = batch.kinds.pods!;
    expect(pods.upserts).toHaveLength(300);
    expect(pods.deletes).toEqual([]);
    expect(pods.upserts.every((p) => (p as Pod).status?.phase === "Running")).toBe(true);
    // first-seen order is kept (the page's Map order: columns stay stable)
    expect(pods.upserts.slice(0, 3).map((p) => p.metadata.name)).toEqual(["p0", "p1", "p2"]);
  });

  it("a delete after an add leaves the object absent on the page; a re-add after a delete leaves it present", () => {
    const b = new ChangeBatcher();
    const m = mirrors();
    b.upsert("pods", "default/kept", pod("kept", "Running"));
    b.upsert("pods", "default/gone", pod("gone", "Pending"));
    b.delete("pods", "default/gone");
    b.delete("pods", "default/back");
    b.upsert("pods", "default/back", pod("back", "Pending"));
    const batch = b.take()!;
    expect(batch.kinds.pods!.upserts.map(keyOf).sort()).toEqual(["default/back", "default/kept"]);
    expect(batch.kinds.pods!.deletes).toEqual(["default/gone"]);
    applyBatch(m, batch);
    expect(phases(m.pods)).toEqual({ "default/kept": "Running", "default/back": "Pending" });
  });

  it("a relist replaces the page's cache: objects gone from the new list disappear", () => {
    const b = new ChangeBatcher();
    const m = mirrors();
    b.upsert("pods", "default/old", pod("old", "Running"));
    applyBatch(m, b.take()!);
    expect(m.pods.cache.has("default/old")).toBe(true);
    // events before the relist are moot; events after it are folded into the new list
    b.upsert("pods", "default/stale", pod("stale", "Running"));
    b.replace("pods", new Map<string, KObject>([["default/a", pod("a", "Pending")], ["default/b", pod("b", "Running")]]));
    b.upsert("pods", "default/a", pod("a", "Running"));
    b.delete("pods", "default/b");
    const batch = b.take()!;
    expect(batch.kinds.pods!.replace!.map(keyOf)).toEqual(["default/a"]);
    applyBatch(m, batch);
    expect(phases(m.pods)).toEqual({ "default/a": "Running" });
  });

  it("carries each kind's last state and bumps a mirror's revision only when its cache changed", () => {
    const b = new ChangeBatcher();
    const m = mirrors();
    b.state("pods", "live");
    b.state("nodes", "live");
    b.state("nodes", "reconnecting");
    b.upsert("nodes", "n1", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    const batch: Batch = b.take()!;
    applyBatch(m, batch);
    expect(m.pods.state).toBe("live");
    expect(m.nodes.state).toBe("reconnecting");
    expect(m.pods.revision).toBe(0);
    expect(m.nodes.revision).toBe(1);
    expect(m.events.state).toBe("syncing");
    expect([...m.nodes.cache.keys()]).toEqual(["n1"]);
  });
});
