/**
 * The Store contract (apiserver/store/store.ts), as a suite any implementation runs unchanged:
 * `describeStoreContract(name, backend)` with a backend that opens a fresh store, reopens one
 * (same data), and can make the next commit fail. test/integration/store-sqlite.test.ts runs it
 * on SQLite; another backend (etcd) adds one line there.
 *
 * Readers see only committed state; the write path (Store.latest) sees pending writes, so
 * preconditions and AlreadyExists hold inside one event-loop turn; batches are all or nothing;
 * revisions are gap-free and ordered; replay serves every event after a revision, across the
 * in-memory ring and the log; compaction answers with the compacted revision; a failed commit
 * never becomes visible; Secrets are not in clear at rest.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../apiserver/store/store.js";
import type { KObject } from "../../lib/types.js";

/** What the suite needs from a store implementation. */
export interface StoreBackend {
  /** A fresh, empty store; `ringEvents` small to force replay from the durable log. */
  open(opts?: { ringEvents?: number }): Promise<{ store: Store; id: string }>;
  /** The same data, opened again (after `store.close()`). */
  reopen(id: string): Promise<Store>;
  /** Make the next commit of this store fail (for the failed-commit rule). */
  breakCommits(id: string): Promise<void>;
  /** The raw bytes at rest that hold the object `key`, for the encryption rule. */
  rawAtRest(id: string, key: string): Promise<string>;
  cleanup(id: string): Promise<void>;
}

export function describeStoreContract(name: string, backend: StoreBackend): void {
describe(`store contract: ${name}`, () => {
const opened: { store: Store; id: string }[] = [];

async function openStore(opts?: { ringEvents?: number }): Promise<{ store: Store; id: string }> {
  const o = await backend.open(opts);
  opened.push(o);
  return o;
}

function cm(name: string, data: Record<string, string> = {}): KObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data } as KObject;
}

afterEach(async () => {
  for (const o of opened.splice(0)) {
    try {
      o.store.close();
    } catch {
      // already closed by the test
    }
    await backend.cleanup(o.id);
  }
});

describe("committed reads", () => {
  it("a write is invisible to get, list, count and the revision until its commit", async () => {
    const { store } = await openStore();
    const before = store.currentRevision();
    const written = store.create("configmaps", cm("a"));
    expect(written.rev).toBe(before + 1);
    expect(store.get("configmaps", "default", "a")).toBeUndefined();
    expect(store.list("configmaps", "default")).toEqual([]);
    expect(store.count("configmaps")).toBe(0);
    expect(store.currentRevision()).toBe(before);
    // The write path sees it at once.
    expect(store.latest().get("configmaps", "default", "a")?.rev).toBe(before + 1);
    expect(store.latest().list("configmaps").map((e) => e.name)).toEqual(["a"]);
    expect(store.latest().count("configmaps", "default")).toBe(1);
    expect(store.latest().currentRevision()).toBe(before + 1);
    await store.sync();
    expect(store.get("configmaps", "default", "a")?.rev).toBe(before + 1);
    expect(store.currentRevision()).toBe(before + 1);
  });

  it("preconditions see pending writes: a second create is AlreadyExists, a stale update a Conflict", async () => {
    const { store } = await openStore();
    store.create("configmaps", cm("a"));
    expect(() => store.create("configmaps", cm("a"))).toThrow(/already exists/);
    const first = store.update("configmaps", cm("a", { v: "1" }), store.latest().get("configmaps", "default", "a")!.rev);
    expect(() => store.update("configmaps", cm("a", { v: "2" }), first.rev - 1)).toThrow(/has been modified/);
    await store.sync();
    expect(store.get("configmaps", "default", "a")!.object().data).toEqual({ v: "1" });
  });

  it("the latest view merges pending creates and deletes into sorted lists", async () => {
    const { store } = await openStore();
    for (const n of ["b", "d"]) store.create("configmaps", cm(n));
    await store.sync();
    store.create("configmaps", cm("c"));
    store.create("configmaps", cm("a"));
    store.delete("configmaps", "default", "d");
    expect(store.latest().list("configmaps", "default").map((e) => e.name)).toEqual(["a", "b", "c"]);
    expect(store.latest().count("configmaps")).toBe(3);
    expect(store.list("configmaps", "default").map((e) => e.name)).toEqual(["b", "d"]);
    await store.sync();
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["a", "b", "c"]);
  });

  it("watchers are told after the committed state includes the events", async () => {
    const { store } = await openStore();
    const seen: (number | undefined)[] = [];
    store.subscribe((events) => {
      for (const e of events) seen.push(store.get(e.resource, e.namespace, e.name)?.rev);
    });
    const w = store.create("configmaps", cm("a"));
    await store.sync();
    expect(seen).toEqual([w.rev]);
  });

  it("a failed commit is never visible and the store refuses further writes", async () => {
    const { store, id } = await openStore();
    store.create("configmaps", cm("kept"));
    await store.sync();
    const rev = store.currentRevision();
    await backend.breakCommits(id);
    store.create("configmaps", cm("lost"));
    await expect(store.sync()).rejects.toThrow(/store commit failed/);
    expect(store.get("configmaps", "default", "lost")).toBeUndefined();
    expect(store.currentRevision()).toBe(rev);
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["kept"]);
    expect(() => store.create("configmaps", cm("next"))).toThrow(/store commit failed/);
  });

  it("after a reopen the revision continues above every committed one, and the log replays them", async () => {
    const { store, id } = await openStore();
    for (let i = 0; i < 5; i++) store.create("configmaps", cm(`c${i}`));
    await store.sync();
    const rev = store.currentRevision();
    store.close();
    const again = await backend.reopen(id);
    opened.push({ store: again, id });
    expect(again.currentRevision()).toBe(rev);
    const next = again.create("configmaps", cm("after"));
    expect(next.rev).toBe(rev + 1);
    const replay = again.eventsSince(rev - 5);
    expect(replay.ok && replay.events.map((e) => e.name)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
  });
});

describe("writes", () => {
  it("a batch is all or nothing: one failed precondition writes none of it", async () => {
    const { store } = await openStore();
    store.create("configmaps", cm("exists"));
    await store.sync();
    const rev = store.currentRevision();
    expect(() =>
      store.batch([
        { op: "create", resource: "configmaps", obj: cm("new-1") },
        { op: "create", resource: "configmaps", obj: cm("exists") },
      ]),
    ).toThrow(/already exists/);
    await store.sync();
    expect(store.currentRevision()).toBe(rev);
    expect(store.latest().get("configmaps", "default", "new-1")).toBeUndefined();
  });

  it("gives every write the next revision, in order, one per op of a batch", async () => {
    const { store } = await openStore();
    const base = store.latest().currentRevision();
    const events = store.batch([
      { op: "create", resource: "configmaps", obj: cm("a") },
      { op: "create", resource: "configmaps", obj: cm("b") },
      { op: "delete", resource: "configmaps", namespace: "default", name: "a" },
    ]);
    expect(events.map((e) => [e.type, e.rev])).toEqual([["ADDED", base + 1], ["ADDED", base + 2], ["DELETED", base + 3]]);
    await store.sync();
    expect(store.currentRevision()).toBe(base + 3);
  });

  it("answers NotFound and a stale resourceVersion with Conflict", async () => {
    const { store } = await openStore();
    expect(() => store.update("configmaps", cm("missing"))).toThrow(/not found/);
    const a = store.create("configmaps", cm("a"));
    store.update("configmaps", cm("a", { v: "1" }), a.rev);
    expect(() => store.delete("configmaps", "default", "a", a.rev)).toThrow(/has been modified/);
    await store.sync();
  });
});

describe("replay and compaction", () => {
  it("replays every event after a revision across the in-memory ring and the durable log", async () => {
    const { store } = await openStore({ ringEvents: 5 });
    const start = store.currentRevision();
    for (let i = 0; i < 20; i++) store.create("configmaps", cm(`r${i}`));
    await store.sync();
    for (const from of [start, start + 3, start + 14, start + 19]) {
      const r = store.eventsSince(from);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.events.map((e) => e.rev)).toEqual(Array.from({ length: start + 20 - from }, (_, i) => from + 1 + i));
    }
    const only = store.eventsSince(start, "configmaps");
    expect(only.ok && only.events.every((e) => e.resource === "configmaps")).toBe(true);
  });

  it("answers a replay from below the compacted revision with that revision", async () => {
    const { store } = await openStore();
    for (let i = 0; i < 10; i++) store.create("configmaps", cm(`k${i}`));
    await store.sync();
    const compacted = store.compact(3, -1_000); // keepMs -1000: age keeps nothing, only the count
    expect(compacted).toBe(store.currentRevision() - 3);
    expect(store.compactedRevision()).toBe(compacted);
    expect(store.eventsSince(compacted - 1)).toEqual({ ok: false, compactedRevision: compacted });
    const after = store.eventsSince(compacted);
    expect(after.ok && after.events.length).toBe(3);
  });
});

describe("at rest", () => {
  it("keeps Secret values out of the bytes at rest", async () => {
    const { store, id } = await openStore();
    store.create("secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" }, data: { password: Buffer.from("hunter2-very-secret").toString("base64") } } as KObject);
    await store.sync();
    const raw = await backend.rawAtRest(id, "secrets/default/s");
    expect(raw.length).toBeGreaterThan(0);
    expect(raw).not.toContain(Buffer.from("hunter2-very-secret").toString("base64"));
    expect(store.get("secrets", "default", "s")!.json).toContain(Buffer.from("hunter2-very-secret").toString("base64"));
  });
});
});
}
