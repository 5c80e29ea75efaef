/**
 * The Store contract (apiserver/store/store.ts), as a suite every implementation runs unchanged:
 * `describeStoreContract(name, backend)` with a backend that opens a fresh store and reopens one
 * (same data). store-sqlite.test.ts runs it on SQLite, store-etcd.test.ts on a real etcd.
 *
 * A writer reads its own writes; preconditions (create-if-absent, resourceVersion) are decided by
 * the store, so of racing writers exactly one wins; batches are all or nothing; revisions only
 * grow and equal metadata.resourceVersion; lists are sorted and consistent with counts; the
 * committed events reach subscribers in revision order without gaps or duplicates, and replay
 * from any revision the store still holds gives exactly the events after it; below that, the
 * answer is the compacted revision (a watch's 410 Gone); Secrets are not in clear at rest.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store, StoreEvent } from "../../apiserver/store/store.js";
import type { KObject } from "../../lib/types.js";

/** What the suite needs from a store implementation. */
export interface StoreBackend {
  /** A fresh, empty store; `ringEvents` small to force replay past the in-memory ring. */
  open(opts?: { ringEvents?: number }): Promise<{ store: Store; id: string }>;
  /** The same data, opened again (after `store.close()`). */
  reopen(id: string): Promise<Store>;
  /** The raw bytes at rest that hold the object `key`, for the encryption rule. */
  rawAtRest(id: string, key: string): Promise<string>;
  cleanup(id: string): Promise<void>;
}

/** A ConfigMap in `default`. */
export function cm(name: string, data: Record<string, string> = {}): KObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data } as KObject;
}

export function describeStoreContract(name: string, backend: StoreBackend): void {
describe(`store contract: ${name}`, () => {
const opened: { store: Store; id: string }[] = [];

async function openStore(opts?: { ringEvents?: number }): Promise<{ store: Store; id: string }> {
  const o = await backend.open(opts);
  opened.push(o);
  return o;
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

describe("reads and writes", () => {
  it("a writer reads its own write: get, list, count and the revision show it, resourceVersion = rev", async () => {
    const { store } = await openStore();
    const before = store.currentRevision();
    const written = await store.create("configmaps", cm("a", { k: "v" }));
    await store.sync();
    expect(written.rev).toBeGreaterThan(before);
    const got = store.get("configmaps", "default", "a");
    expect(got?.rev).toBe(written.rev);
    expect(got?.object().metadata.resourceVersion).toBe(String(written.rev));
    expect(got?.object().data).toEqual({ k: "v" });
    expect(store.list("configmaps", "default").map((e) => e.name)).toEqual(["a"]);
    expect(store.count("configmaps")).toBe(1);
    expect(store.currentRevision()).toBeGreaterThanOrEqual(written.rev);
    expect(store.latest().get("configmaps", "default", "a")?.rev).toBe(written.rev);
  });

  it("answers AlreadyExists, NotFound and a stale resourceVersion with Conflict, and writes nothing", async () => {
    const { store } = await openStore();
    await expect(store.update("configmaps", cm("missing"))).rejects.toThrow(/not found/);
    await expect(store.delete("configmaps", "default", "missing")).rejects.toThrow(/not found/);
    const a = await store.create("configmaps", cm("a"));
    await expect(store.create("configmaps", cm("a", { v: "dup" }))).rejects.toThrow(/already exists/);
    const a1 = await store.update("configmaps", cm("a", { v: "1" }), a.rev);
    expect(a1.rev).toBeGreaterThan(a.rev);
    await expect(store.update("configmaps", cm("a", { v: "2" }), a.rev)).rejects.toThrow(/has been modified/);
    await expect(store.delete("configmaps", "default", "a", a.rev)).rejects.toThrow(/has been modified/);
    await store.sync();
    expect(store.get("configmaps", "default", "a")?.object().data).toEqual({ v: "1" });
    const gone = await store.delete("configmaps", "default", "a", a1.rev);
    expect(gone.type).toBe("DELETED");
    expect(gone.rev).toBeGreaterThan(a1.rev);
    await store.sync();
    expect(store.get("configmaps", "default", "a")).toBeUndefined();
  });

  it("of racing writers exactly one wins: creates of one name, updates from one resourceVersion", async () => {
    const { store } = await openStore();
    const creates = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.create("configmaps", cm("race", { by: String(i) }))));
    expect(creates.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of creates) if (r.status === "rejected") expect(String(r.reason)).toMatch(/already exists/);
    const base = store.latest().get("configmaps", "default", "race")!.rev;
    const updates = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.update("configmaps", cm("race", { u: String(i) }), base)));
    const won = updates.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Store["update"]>>> => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    await store.sync();
    expect(store.get("configmaps", "default", "race")?.json).toBe(won[0].value.json);
  });

  it("a batch is all or nothing: one failed precondition writes none of it", async () => {
    const { store } = await openStore();
    await store.create("configmaps", cm("exists"));
    await store.sync();
    const rev = store.currentRevision();
    await expect(
      store.batch([
        { op: "create", resource: "configmaps", obj: cm("new-1") },
        { op: "create", resource: "configmaps", obj: cm("exists") },
      ]),
    ).rejects.toThrow(/already exists/);
    await store.sync();
    expect(store.latest().get("configmaps", "default", "new-1")).toBeUndefined();
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["exists"]);
    expect(store.currentRevision()).toBe(rev);
  });

  it("a batch commits together, above every earlier revision, in op order", async () => {
    const { store } = await openStore();
    const old = await store.create("configmaps", cm("old"));
    const events = await store.batch([
      { op: "create", resource: "configmaps", obj: cm("a") },
      { op: "create", resource: "configmaps", obj: cm("b") },
      { op: "delete", resource: "configmaps", namespace: "default", name: "old", expectedRev: old.rev },
    ]);
    expect(events.map((e) => [e.type, e.name])).toEqual([["ADDED", "a"], ["ADDED", "b"], ["DELETED", "old"]]);
    for (let i = 0; i < events.length; i++) {
      expect(events[i].rev).toBeGreaterThan(old.rev);
      if (i > 0) expect(events[i].rev).toBeGreaterThanOrEqual(events[i - 1].rev);
    }
    await store.sync();
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["a", "b"]);
  });

  it("lists are sorted by namespace then name and agree with counts", async () => {
    const { store } = await openStore();
    const names = ["m", "b", "z", "a", "k"];
    await Promise.all(names.map((n) => store.create("configmaps", cm(n))));
    await store.create("configmaps", { ...cm("a"), metadata: { name: "a", namespace: "kube-system" } } as KObject);
    await store.sync();
    expect(store.list("configmaps", "default").map((e) => e.name)).toEqual(["a", "b", "k", "m", "z"]);
    expect(store.list("configmaps").map((e) => `${e.namespace}/${e.name}`)).toEqual(["default/a", "default/b", "default/k", "default/m", "default/z", "kube-system/a"]);
    expect(store.count("configmaps", "default")).toBe(5);
    expect(store.count("configmaps")).toBe(6);
    expect(store.list("secrets")).toEqual([]);
  });

  it("after a reopen the objects are there and the next write gets a higher revision", async () => {
    const { store, id } = await openStore();
    for (let i = 0; i < 5; i++) await store.create("configmaps", cm(`c${i}`));
    await store.sync();
    const rev = store.currentRevision();
    store.close();
    const again = await backend.reopen(id);
    opened.push({ store: again, id });
    expect(again.currentRevision()).toBeGreaterThanOrEqual(rev);
    expect(again.list("configmaps").map((e) => e.name)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
    const next = await again.create("configmaps", cm("after"));
    expect(next.rev).toBeGreaterThan(rev);
  });
});

describe("events, replay and compaction", () => {
  it("subscribers get every committed event once, in revision order, after the state includes it", async () => {
    const { store } = await openStore();
    const seen: StoreEvent[] = [];
    const visible: boolean[] = [];
    store.subscribe((events) => {
      for (const e of events) {
        seen.push(e);
        visible.push(store.currentRevision() >= e.rev);
      }
    });
    const start = store.currentRevision();
    // Four concurrent writers, each creating, updating and deleting its own objects.
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < 5; i++) {
          const c = await store.create("configmaps", cm(`w${w}-${i}`));
          const u = await store.update("configmaps", cm(`w${w}-${i}`, { v: "1" }), c.rev);
          if (i % 2 === 0) await store.delete("configmaps", "default", `w${w}-${i}`, u.rev);
        }
      }),
    );
    await store.sync();
    expect(seen).toHaveLength(4 * (5 + 5 + 3));
    for (let i = 1; i < seen.length; i++) expect(seen[i].rev).toBeGreaterThanOrEqual(seen[i - 1].rev);
    expect(new Set(seen.map((e) => `${e.rev} ${e.name} ${e.type}`)).size).toBe(seen.length);
    expect(visible.every(Boolean)).toBe(true);
    // Replay from the start gives the same events, in the same order.
    const replay = store.eventsSince(start);
    expect(replay.ok).toBe(true);
    if (replay.ok) expect(replay.events.map((e) => `${e.rev} ${e.name} ${e.type}`)).toEqual(seen.map((e) => `${e.rev} ${e.name} ${e.type}`));
  });

  it("replays exactly the events after any revision it holds, and answers older ones with the compacted revision", async () => {
    const { store } = await openStore({ ringEvents: 5 });
    const revs: number[] = [];
    for (let i = 0; i < 20; i++) revs.push((await store.create("configmaps", cm(`r${i}`))).rev);
    await store.sync();
    const start = revs[0] - 1;
    for (const from of [start, revs[2], revs[13], revs[18], revs[19]]) {
      const r = store.eventsSince(from);
      if (r.ok) {
        expect(r.events.map((e) => e.rev)).toEqual(revs.filter((x) => x > from));
      } else {
        // Only what the store no longer holds may be refused, and it says from where on it does.
        expect(r.compactedRevision).toBeGreaterThan(from);
        expect(store.compactedRevision()).toBe(r.compactedRevision);
      }
    }
    // The newest revisions are always held.
    const recent = store.eventsSince(revs[16]);
    expect(recent.ok && recent.events.map((e) => e.name)).toEqual(["r17", "r18", "r19"]);
    const only = store.eventsSince(revs[16], "secrets");
    expect(only).toEqual({ ok: true, events: [] });
  });

  it("after compaction a replay from below the compacted revision is refused with it", async () => {
    const { store } = await openStore();
    const revs: number[] = [];
    for (let i = 0; i < 10; i++) revs.push((await store.create("configmaps", cm(`k${i}`))).rev);
    await store.sync();
    const compacted = await store.compact(3, -1_000); // keepMs -1000: age keeps nothing, only the count
    expect(compacted).toBe(store.currentRevision() - 3);
    expect(store.compactedRevision()).toBe(compacted);
    expect(store.eventsSince(compacted - 1)).toEqual({ ok: false, compactedRevision: compacted });
    const after = store.eventsSince(compacted);
    expect(after.ok).toBe(true);
    if (after.ok) expect(after.events.map((e) => e.rev)).toEqual(revs.filter((r) => r > compacted));
    // Writes go on after a compaction.
    expect((await store.create("configmaps", cm("later"))).rev).toBeGreaterThan(compacted);
  });
});

describe("at rest", () => {
  it("keeps Secret values out of the bytes at rest", async () => {
    const { store, id } = await openStore();
    await store.create("secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" }, data: { password: Buffer.from("hunter2-very-secret").toString("base64") } } as KObject);
    await store.sync();
    const raw = await backend.rawAtRest(id, "secrets/default/s");
    expect(raw.length).toBeGreaterThan(0);
    expect(raw).not.toContain(Buffer.from("hunter2-very-secret").toString("base64"));
    expect(raw).not.toContain("password");
    expect(store.get("secrets", "default", "s")!.json).toContain(Buffer.from("hunter2-very-secret").toString("base64"));
  });
});
});
}
