/**
 * The store contract (store-contract.ts) on the SQLite store: a real database file in a temp dir.
 * Then what only SQLite promises: writes are staged synchronously in a pending state the write
 * path reads (`latest()`) and readers see them only after the group commit; a failed commit is
 * never visible; replay reaches past the in-memory ring into the durable log.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SecretEncryption } from "../../apiserver/security/secret-encryption.js";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import { cm, describeStoreContract } from "./store-contract.js";

const file = (dir: string): string => path.join(dir, "kctl.db");
const open = (dir: string, ringEvents?: number): SqliteStore => new SqliteStore(openDatabase(file(dir)), { file: file(dir), codec: SecretEncryption.load(dir), ringEvents });

describeStoreContract("SQLite", {
  async open(opts) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-store-"));
    return { store: open(dir, opts?.ringEvents), id: dir };
  },
  async reopen(dir) {
    return open(dir);
  },
  async rawAtRest(dir, key) {
    const db = openDatabase(file(dir));
    const row = db.prepare("SELECT value FROM objects WHERE key = ?").get(key) as { value: string } | undefined;
    const log = db.prepare("SELECT group_concat(value) AS v FROM revisions WHERE key = ?").get(key) as { v: string | null };
    db.close();
    return `${row?.value ?? ""}${log.v ?? ""}`;
  },
  async cleanup(dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  },
});

describe("SQLite store: staged writes and group commit", () => {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  function fresh(ringEvents?: number): { store: SqliteStore; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-store-"));
    dirs.push(dir);
    const store = open(dir, ringEvents);
    stores.push(store);
    return { store, dir };
  }

  it("a write is invisible to get, list, count and the revision until its commit; the write path sees it at once", async () => {
    const { store } = fresh();
    const before = store.currentRevision();
    const pending = store.create("configmaps", cm("a"));
    expect(store.get("configmaps", "default", "a")).toBeUndefined();
    expect(store.list("configmaps", "default")).toEqual([]);
    expect(store.count("configmaps")).toBe(0);
    expect(store.currentRevision()).toBe(before);
    expect(store.latest().get("configmaps", "default", "a")?.rev).toBe(before + 1);
    expect(store.latest().list("configmaps").map((e) => e.name)).toEqual(["a"]);
    expect(store.latest().count("configmaps", "default")).toBe(1);
    expect(store.latest().currentRevision()).toBe(before + 1);
    expect((await pending).rev).toBe(before + 1);
    await store.sync();
    expect(store.get("configmaps", "default", "a")?.rev).toBe(before + 1);
    expect(store.currentRevision()).toBe(before + 1);
  });

  it("preconditions see pending writes in the same turn; every op of a batch gets its own revision", async () => {
    const { store } = fresh();
    const first = store.create("configmaps", cm("a"));
    const second = store.create("configmaps", cm("a"));
    await first;
    await expect(second).rejects.toThrow(/already exists/);
    const base = store.latest().currentRevision();
    const events = await store.batch([
      { op: "create", resource: "configmaps", obj: cm("b") },
      { op: "create", resource: "configmaps", obj: cm("c") },
      { op: "delete", resource: "configmaps", namespace: "default", name: "b" },
    ]);
    expect(events.map((e) => [e.type, e.rev])).toEqual([["ADDED", base + 1], ["ADDED", base + 2], ["DELETED", base + 3]]);
    await store.sync();
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["a", "c"]);
  });

  it("a failed commit is never visible and the store refuses further writes", async () => {
    const { store, dir } = fresh();
    await store.create("configmaps", cm("kept"));
    await store.sync();
    const rev = store.currentRevision();
    // Another connection adds a trigger that aborts every log insert: the next commit fails.
    const db = openDatabase(file(dir));
    db.exec("CREATE TRIGGER fail_log BEFORE INSERT ON revisions BEGIN SELECT RAISE(ABORT, 'disk says no'); END;");
    db.close();
    void store.create("configmaps", cm("lost"));
    await expect(store.sync()).rejects.toThrow(/store commit failed/);
    expect(store.get("configmaps", "default", "lost")).toBeUndefined();
    expect(store.currentRevision()).toBe(rev);
    expect(store.list("configmaps").map((e) => e.name)).toEqual(["kept"]);
    await expect(store.create("configmaps", cm("next"))).rejects.toThrow(/store commit failed/);
  });

  it("replays from the durable log past the in-memory ring", async () => {
    const { store } = fresh(5);
    const start = store.currentRevision();
    for (let i = 0; i < 20; i++) void store.create("configmaps", cm(`r${i}`));
    await store.sync();
    for (const from of [start, start + 3, start + 14, start + 19]) {
      const r = store.eventsSince(from);
      expect(r.ok && r.events.map((e) => e.rev)).toEqual(Array.from({ length: start + 20 - from }, (_, i) => from + 1 + i));
    }
  });
});
