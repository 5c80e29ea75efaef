import { describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import { ConnectionError, type ListOptions, type WatchHandle, type WatchOptions } from "../../lib/client.js";
import { gone } from "../../lib/errors.js";
import {
  Informer,
  controllerUidIndex,
  diffCache,
  namespaceIndex,
  nodeNameIndex,
  objectKey,
  ownerUidIndex,
  splitKey,
  type ListWatchClient,
} from "../../lib/informer.js";
import type { KList, KObject, Pod, WatchEvent } from "../../lib/types.js";
import { afterTurns } from "../helpers/eventually.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

function pod(name: string, rv: number, extra: Partial<Pod["spec"]> = {}, ns = "default"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, resourceVersion: String(rv), uid: `uid-${name}` },
    spec: { containers: [{ name: "c", image: "busybox" }], ...extra },
  };
}

interface FakeWatch {
  opts: WatchOptions;
  onEvent: (ev: WatchEvent<KObject>) => void;
  end: (err?: unknown) => void;
}

/**
 * A tiny in-memory object source standing in for the API server (whose test helper did not
 * exist yet): a revision counter, an event log that can be compacted, and live watches.
 */
class FakeSource implements ListWatchClient {
  rv = 100;
  objects = new Map<string, Pod>();
  history: { rv: number; ev: WatchEvent<KObject> }[] = [];
  compactedTo = 0;
  watches: FakeWatch[] = [];
  lists = 0;
  watchCalls: WatchOptions[] = [];
  failLists = 0;
  failWatches = 0;
  goneOnConnect = false;

  async list<T extends KObject>(_kind: string, _opts: ListOptions = {}): Promise<KList<T>> {
    this.lists++;
    if (this.failLists > 0) {
      this.failLists--;
      throw new ConnectionError("http://fake", Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    }
    return {
      apiVersion: "v1",
      kind: "PodList",
      metadata: { resourceVersion: String(this.rv) },
      items: [...this.objects.values()].map((o) => structuredClone(o)) as unknown as T[],
    };
  }

  watch<T extends KObject>(_kind: string, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    this.watchCalls.push(opts);
    let end!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      end = (err?: unknown) => (err ? reject(err) : resolve());
    });
    const w: FakeWatch = {
      opts,
      onEvent: onEvent as unknown as (ev: WatchEvent<KObject>) => void,
      end: (err) => {
        this.watches = this.watches.filter((x) => x !== w);
        end(err);
      },
    };
    const from = Number(opts.resourceVersion ?? 0);
    queueMicrotask(() => {
      if (this.failWatches > 0) {
        this.failWatches--;
        w.end(new ConnectionError("http://fake", Object.assign(new Error("reset"), { code: "ECONNRESET" })));
        return;
      }
      if (this.goneOnConnect) {
        this.goneOnConnect = false;
        w.end(gone(`too old resource version: ${from}`));
        return;
      }
      if (from < this.compactedTo) {
        w.onEvent({ type: "ERROR", object: gone("too old resource version").toStatus() as unknown as KObject });
        w.end();
        return;
      }
      for (const h of this.history) if (h.rv > from) w.onEvent(h.ev);
      this.watches.push(w);
    });
    return { stop: () => w.end(), done };
  }

  private emit(type: WatchEvent["type"], obj: KObject): void {
    const ev = { type, object: structuredClone(obj) };
    this.history.push({ rv: this.rv, ev });
    for (const w of this.watches) w.onEvent(ev);
  }

  put(p: Pod): Pod {
    const exists = this.objects.has(objectKey(p));
    p.metadata.resourceVersion = String(++this.rv);
    this.objects.set(objectKey(p), p);
    this.emit(exists ? "MODIFIED" : "ADDED", p);
    return p;
  }

  /** Change without telling watchers (as happens while they are disconnected and history is compacted). */
  putQuietly(p: Pod): void {
    p.metadata.resourceVersion = String(++this.rv);
    this.objects.set(objectKey(p), p);
  }

  remove(key: string): void {
    const p = this.objects.get(key)!;
    this.objects.delete(key);
    p.metadata.resourceVersion = String(++this.rv);
    this.emit("DELETED", p);
  }

  bookmark(): void {
    const ev: WatchEvent<KObject> = { type: "BOOKMARK", object: { apiVersion: "v1", kind: "Pod", metadata: { resourceVersion: String(++this.rv) } } };
    for (const w of this.watches) w.onEvent(ev);
  }

  compact(): void {
    this.compactedTo = this.rv;
    this.history = [];
  }

  /** The server ends every watch stream cleanly. */
  closeAll(): void {
    for (const w of [...this.watches]) w.end();
  }
}

function recorder<T extends KObject>(inf: Informer<T>) {
  const events: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (a, b) => events.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

describe("objectKey / splitKey", () => {
  it("round-trips", () => {
    expect(objectKey({ metadata: { name: "web", namespace: "ns" } })).toBe("ns/web");
    expect(objectKey({ metadata: { name: "n1" } })).toBe("n1");
    expect(splitKey("ns/web")).toEqual({ namespace: "ns", name: "web" });
    expect(splitKey("n1")).toEqual({ name: "n1" });
  });
});

describe("diffCache", () => {
  it("finds added, updated and deleted objects", () => {
    const old = new Map<string, Pod>([
      ["default/a", pod("a", 1)],
      ["default/b", pod("b", 2)],
      ["default/c", pod("c", 3)],
    ]);
    const d = diffCache(old, [pod("a", 1), pod("b", 5), pod("d", 6)]);
    expect(d.added.map((o) => o.metadata.name)).toEqual(["d"]);
    expect(d.updated.map(([a, b]) => `${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`)).toEqual(["2->5"]);
    expect(d.deleted.map((o) => o.metadata.name)).toEqual(["c"]);
    expect(diffCache(new Map(), [])).toEqual({ added: [], updated: [], deleted: [] });
  });
});

describe("Informer (against a fake object source)", () => {
  it("lists, syncs, then follows ADDED/MODIFIED/DELETED", async () => {
    const src = new FakeSource();
    src.put(pod("a", 0));
    src.put(pod("b", 0));
    const inf = new Informer<Pod>(src, "Pod", { clock: new FakeClock() });
    const events = recorder(inf);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(inf.hasSynced()).toBe(true);
    expect(events).toEqual(["add a@101", "add b@102"]);
    await afterTurns(() => src.watches.length === 1, "watch open");
    expect(src.watchCalls[0]).toMatchObject({ resourceVersion: "102", allowWatchBookmarks: true });

    src.put(pod("c", 0));
    src.put({ ...pod("a", 0), spec: { containers: [], nodeName: "n1" } });
    src.remove("default/b");
    await afterTurns(() => events.length === 5, "events");
    expect(events.slice(2)).toEqual(["add c@103", "update a@101->104", "delete b"]);
    expect(inf.list().map((p) => p.metadata.name).sort()).toEqual(["a", "c"]);
    expect(inf.get("default/a")?.spec.nodeName).toBe("n1");
    expect(inf.get("default/b")).toBeUndefined();
    expect(inf.size()).toBe(2);
    expect(inf.keys().sort()).toEqual(["default/a", "default/c"]);
    expect(inf.lastResourceVersion()).toBe("105");
    await inf.stop();
  });

  it("gives late registrants synthetic adds, and unregisters", async () => {
    const src = new FakeSource();
    src.put(pod("a", 0));
    const inf = new Informer<Pod>(src, "Pod", { clock: new FakeClock() });
    inf.start();
    await inf.waitForSync();
    const late: string[] = [];
    const off = inf.onAdd((o) => late.push(o.metadata.name!));
    expect(late).toEqual(["a"]);
    await afterTurns(() => src.watches.length === 1, "watch open");
    src.put(pod("b", 0));
    await afterTurns(() => late.length === 2, "live add");
    off();
    src.put(pod("c", 0));
    await afterTurns(() => inf.size() === 3, "c cached");
    expect(late).toEqual(["a", "b"]);
    await inf.stop();
  });

  it("resumes from the last resourceVersion (bookmarks included) when the stream ends", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    const inf = new Informer<Pod>(src, "Pod", { clock });
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    await afterTurns(() => src.watches.length === 1, "watch open");
    src.put(pod("a", 0)); // rv 101
    src.bookmark(); // rv 102
    await afterTurns(() => inf.lastResourceVersion() === "102", "bookmark seen");
    src.closeAll();
    await afterTurns(() => src.watchCalls.length === 2, "re-watch");
    expect(src.watchCalls[1]!.resourceVersion).toBe("102");
    await afterTurns(() => src.watches.length === 1, "watch reopened");
    src.put(pod("b", 0));
    await afterTurns(() => events.length === 2, "event after resume");
    expect(events).toEqual(["add a@101", "add b@103"]);
    expect(src.lists).toBe(1); // no relist for a clean end
    await inf.stop();
  });

  it("relists on a 410 ERROR event and emits only what changed", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.put(pod("keep", 0)); // 101
    src.put(pod("change", 0)); // 102
    src.put(pod("drop", 0)); // 103
    const inf = new Informer<Pod>(src, "Pod", { clock });
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    await afterTurns(() => src.watches.length === 1, "watch open");
    // while disconnected: changes the informer never sees as events, then compaction
    src.closeAll();
    src.watches = [];
    src.putQuietly({ ...pod("change", 0), spec: { containers: [], nodeName: "n2" } });
    src.objects.delete("default/drop");
    src.putQuietly(pod("new", 0));
    src.compact();
    events.length = 0;
    // (the watch that was closed returned with no events; its back-off retry happens on the fake clock)
    await afterTurns(() => clock.pending() > 0 || src.lists === 2, "retry scheduled");
    clock.advance(100);
    await afterTurns(() => src.lists === 2, "relist");
    await afterTurns(() => events.length === 3, "diff events");
    expect(events.sort()).toEqual(["add new@105", "delete drop", "update change@102->104"]);
    expect(inf.get("default/change")?.spec.nodeName).toBe("n2");
    await afterTurns(() => src.watchCalls.at(-1)!.resourceVersion === "105", "watch from relist RV");
    await inf.stop();
  });

  it("relists on a 410 ApiError when connecting", async () => {
    const src = new FakeSource();
    src.put(pod("a", 0));
    const inf = new Informer<Pod>(src, "Pod", { clock: new FakeClock() });
    src.goneOnConnect = true;
    inf.start();
    await inf.waitForSync();
    await afterTurns(() => src.lists === 2 && src.watches.length === 1, "relist then watch");
    await inf.stop();
  });

  it("reconnects with capped back-off after connection errors", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    const inf = new Informer<Pod>(src, "Pod", { clock, backoff: { baseMs: 100, capMs: 400 } });
    const events = recorder(inf);
    src.failLists = 1;
    src.failWatches = 4;
    inf.start();
    const delays: number[] = [];
    const step = async () => {
      await afterTurns(() => clock.pending() === 1, "retry timer");
      const d = clock.nextTimerAt()! - clock.now();
      delays.push(d);
      clock.advance(d);
    };
    await step(); // list failed
    await afterTurns(() => inf.hasSynced(), "synced after list retry");
    for (let i = 0; i < 4; i++) await step(); // watch failures
    await afterTurns(() => src.watches.length === 1, "watch connected");
    expect(delays).toEqual([100, 100, 200, 400, 400]); // list success resets the back-off
    src.put(pod("x", 0));
    await afterTurns(() => events.length === 1, "event after reconnect");
    await inf.stop();
  });

  it("relists on a non-410 ERROR event after back-off", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    const inf = new Informer<Pod>(src, "Pod", { clock });
    inf.start();
    await inf.waitForSync();
    await afterTurns(() => src.watches.length === 1, "watch open");
    src.watches[0]!.onEvent({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {}, code: 500, message: "boom" } as unknown as KObject });
    await afterTurns(() => clock.pending() === 1, "back-off");
    clock.advance(100);
    await afterTurns(() => src.watchCalls.length === 2 && src.watches.length === 1, "rewatch");
    expect(src.lists).toBe(1);
    await inf.stop();
  });

  it("maintains indexes across add, update and delete", async () => {
    const src = new FakeSource();
    const owned = pod("a", 0, { nodeName: "n1" });
    owned.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "rs-1", controller: true }];
    src.put(owned);
    src.put(pod("b", 0, { nodeName: "n1" }, "other"));
    const inf = new Informer<Pod>(src, "Pod", { clock: new FakeClock() });
    inf.addIndex("node", nodeNameIndex);
    inf.start();
    await inf.waitForSync();
    inf.addIndex("owner", ownerUidIndex); // after sync: built from the cache
    inf.addIndex("controller", controllerUidIndex);
    inf.addIndex("ns", namespaceIndex);
    expect(() => inf.addIndex("ns", namespaceIndex)).toThrowError(/already exists/);
    expect(() => inf.byIndex("nope", "x")).toThrowError(/no index "nope"/);
    expect(inf.byIndex("node", "n1").map((p) => p.metadata.name).sort()).toEqual(["a", "b"]);
    expect(inf.byIndex("owner", "rs-1").map((p) => p.metadata.name)).toEqual(["a"]);
    expect(inf.indexKeys("controller", "rs-1")).toEqual(["default/a"]);
    expect(inf.indexKeys("ns", "other")).toEqual(["other/b"]);
    await afterTurns(() => src.watches.length === 1, "watch open");
    src.put({ ...owned, spec: { ...owned.spec, nodeName: "n2" } });
    src.remove("other/b");
    await afterTurns(() => inf.size() === 1 && inf.get("default/a")?.spec.nodeName === "n2", "events applied");
    expect(inf.byIndex("node", "n1")).toEqual([]);
    expect(inf.byIndex("node", "n2").map((p) => p.metadata.name)).toEqual(["a"]);
    expect(inf.byIndex("ns", "other")).toEqual([]);
    // One key, then two, then one again, then none (a value's keys change representation on the way).
    src.put(pod("c", 0, { nodeName: "n2" }));
    await afterTurns(() => inf.size() === 2, "c added");
    expect(inf.byIndex("node", "n2").map((p) => p.metadata.name).sort()).toEqual(["a", "c"]);
    src.remove("default/a");
    await afterTurns(() => inf.size() === 1, "a removed");
    expect(inf.indexKeys("node", "n2")).toEqual(["default/c"]);
    expect(inf.indexKeys("owner", "rs-1")).toEqual([]);
    src.put(pod("d", 0, { nodeName: "n2" }));
    await afterTurns(() => inf.size() === 2, "d added");
    expect(inf.indexKeys("node", "n2").sort()).toEqual(["default/c", "default/d"]);
    src.remove("default/c");
    src.remove("default/d");
    await afterTurns(() => inf.size() === 0, "all removed");
    expect(inf.indexKeys("node", "n2")).toEqual([]);
    await inf.stop();
  });

  it("resyncs with onUpdate(obj, obj) on the clock", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.put(pod("a", 0));
    const inf = new Informer<Pod>(src, "Pod", { clock, resyncMs: 30_000 });
    const updates: string[] = [];
    inf.onUpdate((a, b) => updates.push(`${a === b}`));
    inf.start();
    await inf.waitForSync();
    clock.advance(30_000);
    clock.advance(30_000);
    expect(updates).toEqual(["true", "true"]);
    await inf.stop();
    clock.advance(30_000);
    expect(updates).toHaveLength(2);
  });

  it("keeps going when a handler throws", async () => {
    const src = new FakeSource();
    src.put(pod("a", 0));
    const inf = new Informer<Pod>(src, "Pod", { clock: new FakeClock() });
    inf.onAdd(() => {
      throw new Error("bad handler");
    });
    const seen: string[] = [];
    inf.onAdd((o) => seen.push(o.metadata.name!));
    inf.start();
    await inf.waitForSync();
    expect(seen).toEqual(["a"]);
    await inf.stop();
  });

  it("stop ends waitForSync with false and silences handlers", async () => {
    const clock = new FakeClock();
    const src = new FakeSource();
    src.failLists = 100;
    const inf = new Informer<Pod>(src, "Pod", { clock });
    inf.start();
    const waiting = inf.waitForSync();
    await afterTurns(() => src.lists === 1 && clock.pending() === 1, "first list failed");
    await inf.stop();
    expect(await waiting).toBe(false);
    expect(await inf.waitForSync()).toBe(false);
    expect(clock.pending()).toBe(0);

    const src2 = new FakeSource();
    const inf2 = new Informer<Pod>(src2, "Pod", { clock: new FakeClock() });
    const events = recorder(inf2);
    inf2.start();
    await inf2.waitForSync();
    await afterTurns(() => src2.watches.length === 1, "watch open");
    const w = src2.watches[0]!;
    await inf2.stop();
    w.onEvent({ type: "ADDED", object: pod("late", 999) });
    expect(events).toEqual([]);
  });
});
