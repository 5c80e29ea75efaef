/**
 * The WatchHub and Watcher contract, on a real SQLite store, with an in-test transport (a sink
 * that records lines and can refuse to drain, as a socket whose client stopped reading does):
 * the initial state then live events with no gap and no duplicate; replay from a revision across
 * the ring/log boundary; 410 for a compacted revision; a slow watcher cut off by its queue bound
 * or its write deadline, its connection aborted, while writers never wait.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import { WatchHub } from "../../apiserver/watch/watch-hub.js";
import type { WatchSink } from "../../apiserver/watch/watcher.js";
import { parseSelector } from "../../lib/selector.js";
import type { KObject } from "../../lib/types.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(opts: { maxQueue?: number; writeDeadlineMs?: number; ringEvents?: number } = {}): { store: SqliteStore; hub: WatchHub } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-hub-"));
  const file = path.join(dir, "kctl.db");
  const store = new SqliteStore(openDatabase(file), { file, ringEvents: opts.ringEvents });
  const hub = new WatchHub(store, { maxQueue: opts.maxQueue ?? 1000, writeDeadlineMs: opts.writeDeadlineMs, bookmarkIntervalMs: 60_000 });
  cleanups.push(() => {
    void hub.closeAll(10);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { store, hub };
}

/** A transport that records what it is given; `accepting` false = the client stopped reading. */
class RecordingSink implements WatchSink {
  lines: string[] = [];
  accepting = true;
  ended = false;
  aborted = false;
  private drain: (() => void) | undefined;
  write(lines: readonly string[]): boolean {
    this.lines.push(...lines);
    return this.accepting;
  }
  onDrain(cb: () => void): void {
    this.drain = cb;
  }
  resume(): void {
    this.accepting = true;
    const d = this.drain;
    this.drain = undefined;
    d?.();
  }
  end(): void {
    this.ended = true;
  }
  abort(): void {
    this.aborted = true;
  }
  finished(): Promise<void> {
    return Promise.resolve();
  }
  names(): string[] {
    return this.lines.map((l) => {
      const e = JSON.parse(l) as { type: string; object: KObject };
      return `${e.type} ${e.object.metadata.name ?? ""}`;
    });
  }
}

const cm = (name: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" } }) as KObject;
const filter = { namespace: "default", labels: parseSelector(""), fields: [] };
const watch = (hub: WatchHub, sink: WatchSink, fromRevision?: number) =>
  hub.watch({ resource: "configmaps", filter, sink, fromRevision, bookmarks: false, kind: "ConfigMap", apiVersion: "v1" });
const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));

describe("watch hub contract", () => {
  it("sends the committed state, then every later event once, with no gap", async () => {
    const { store, hub } = setup();
    store.create("configmaps", cm("a"));
    await store.sync();
    store.create("configmaps", cm("pending")); // not committed yet: not in the snapshot
    const sink = new RecordingSink();
    watch(hub, sink);
    await store.sync();
    store.delete("configmaps", "default", "a");
    await store.sync();
    await settle();
    expect(sink.names()).toEqual(["ADDED a", "ADDED pending", "DELETED a"]);
  });

  it("replays from a revision across the ring and the log, then goes live", async () => {
    const { store, hub } = setup({ ringEvents: 3 });
    const from = store.currentRevision();
    for (let i = 0; i < 10; i++) store.create("configmaps", cm(`r${i}`));
    await store.sync();
    const sink = new RecordingSink();
    const started = watch(hub, sink, from + 2);
    expect(started.ok).toBe(true);
    store.create("configmaps", cm("live"));
    await store.sync();
    await settle();
    expect(sink.names()).toEqual([...Array.from({ length: 8 }, (_, i) => `ADDED r${i + 2}`), "ADDED live"]);
  });

  it("answers a compacted revision with the compacted one (the route turns it into 410)", async () => {
    const { store, hub } = setup();
    for (let i = 0; i < 10; i++) store.create("configmaps", cm(`c${i}`));
    await store.sync();
    // keepMs -1000: every logged revision counts as old, so only the count keeps any.
    const compacted = await store.compact(2, -1_000);
    expect(compacted).toBe(store.currentRevision() - 2);
    expect(watch(hub, new RecordingSink(), 1)).toEqual({ ok: false, compactedRevision: compacted });
  });

  it("streams a large initial list only as the client drains", async () => {
    const { store, hub } = setup();
    const big = "x".repeat(10_000);
    for (let i = 0; i < 40; i++) store.create("configmaps", { ...cm(`b${String(i).padStart(2, "0")}`), data: { v: big } } as KObject);
    await store.sync();
    const sink = new RecordingSink();
    sink.accepting = false;
    watch(hub, sink);
    // One chunk (~64 KiB) went out; the rest waits for the client.
    expect(sink.lines.length).toBeGreaterThan(0);
    expect(sink.lines.length).toBeLessThan(40);
    for (let i = 0; i < 100 && sink.lines.length < 40; i++) sink.resume();
    expect(sink.names()).toEqual(Array.from({ length: 40 }, (_, i) => `ADDED b${String(i).padStart(2, "0")}`));
  });

  it("cuts off a watcher whose queue overflows, aborting its connection; writers never wait", async () => {
    const { store, hub } = setup({ maxQueue: 5 });
    const sink = new RecordingSink();
    watch(hub, sink);
    sink.accepting = false;
    store.create("configmaps", cm("first"));
    await store.sync();
    await settle();
    for (let i = 0; i < 10; i++) store.create("configmaps", cm(`q${i}`));
    await store.sync();
    await settle();
    expect(sink.aborted).toBe(true);
    expect(hub.cutoffs).toBe(1);
    expect(store.currentRevision()).toBeGreaterThan(10);
  });

  it("cuts off a watcher backed up past its write deadline", async () => {
    const { store, hub } = setup({ writeDeadlineMs: 50 });
    const sink = new RecordingSink();
    watch(hub, sink);
    sink.accepting = false;
    store.create("configmaps", cm("x"));
    await store.sync();
    await settle();
    const deadline = Date.now() + 5_000;
    while (!sink.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sink.aborted).toBe(true);
    expect(hub.cutoffs).toBe(1);
  });
});
