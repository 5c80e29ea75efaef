/**
 * The store's read contract on a real SQLite file: readers see only committed state; the write
 * path (Store.latest) sees pending writes, so preconditions and AlreadyExists still hold inside
 * one event-loop turn; a failed commit never becomes visible.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import type { KObject } from "../../lib/types.js";

const dirs: string[] = [];
const stores: SqliteStore[] = [];

function openStore(dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-store-"))): { store: SqliteStore; dir: string } {
  if (!dirs.includes(dir)) dirs.push(dir);
  const file = path.join(dir, "kctl.db");
  const store = new SqliteStore(openDatabase(file), { file });
  stores.push(store);
  return { store, dir };
}

function cm(name: string, data: Record<string, string> = {}): KObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data } as KObject;
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("store: committed reads", () => {
  it("a write is invisible to get, list, count and the revision until its commit", async () => {
    const { store } = openStore();
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
    const { store } = openStore();
    store.create("configmaps", cm("a"));
    expect(() => store.create("configmaps", cm("a"))).toThrow(/already exists/);
    const first = store.update("configmaps", cm("a", { v: "1" }), store.latest().get("configmaps", "default", "a")!.rev);
    expect(() => store.update("configmaps", cm("a", { v: "2" }), first.rev - 1)).toThrow(/has been modified/);
    await store.sync();
    expect(store.get("configmaps", "default", "a")!.object().data).toEqual({ v: "1" });
  });

  it("the latest view merges pending creates and deletes into sorted lists", async () => {
    const { store } = openStore();
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
    const { store } = openStore();
    const seen: (number | undefined)[] = [];
    store.subscribe((events) => {
      for (const e of events) seen.push(store.get(e.resource, e.namespace, e.name)?.rev);
    });
    const w = store.create("configmaps", cm("a"));
    await store.sync();
    expect(seen).toEqual([w.rev]);
  });

  it("a failed commit is never visible and the store refuses further writes", async () => {
    const { store, dir } = openStore();
    store.create("configmaps", cm("kept"));
    await store.sync();
    const rev = store.currentRevision();
    // Make the next commit fail: a trigger that aborts every log insert.
    const db = openDatabase(path.join(dir, "kctl.db"));
    db.exec("CREATE TRIGGER fail_log BEFORE INSERT ON revisions BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    db.close();
    store.create("configmaps", cm("lost"));
    await expect(store.sync()).rejects.toThrow(/store commit failed: disk says no/);
    expect(store.get("configmaps", "default", "lost")).toBeUndefined();
    expect(store.currentRevision()).toBe(rev);
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["kept"]);
    expect(() => store.create("configmaps", cm("next"))).toThrow(/store commit failed/);
  });

  it("after a reopen the revision continues above every committed one, and the log replays them", async () => {
    const { store, dir } = openStore();
    for (let i = 0; i < 5; i++) store.create("configmaps", cm(`c${i}`));
    await store.sync();
    const rev = store.currentRevision();
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const again = openStore(dir).store;
    expect(again.currentRevision()).toBe(rev);
    const next = again.create("configmaps", cm("after"));
    expect(next.rev).toBe(rev + 1);
    const replay = again.eventsSince(rev - 5);
    expect(replay.ok && replay.events.map((e) => e.name)).toEqual(["c0", "c1", "c2", "c3", "c4"]);
  });
});
