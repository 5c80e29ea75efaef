/**
 * The informer against a real API server (ephemeral port, real SQLite): events, resume from the
 * last resourceVersion after a disconnect, bookmarks, and relist + diff after 410 Gone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, type ApiClient, type WatchHandle } from "../../lib/client.js";
import { Informer, nodeNameIndex, type ListWatchClient } from "../../lib/informer.js";
import type { ConfigMap, KObject, Namespace, Pod } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

/**
 * A client that can cut the informer's watch and refuse new ones, as a network outage does,
 * while the real server keeps changing. Counts lists and remembers where each watch started.
 */
class Outage implements ListWatchClient {
  down = false;
  lists = 0;
  watchFrom: (string | undefined)[] = [];
  private live: WatchHandle | undefined;

  constructor(private readonly real: ApiClient) {}

  list: ApiClient["list"] = (kind, opts) => {
    this.lists++;
    return this.real.list(kind, opts);
  };

  watch: ApiClient["watch"] = (kind, opts, onEvent) => {
    this.watchFrom.push(opts.resourceVersion);
    if (this.down) {
      const err = new ConnectionError("http://test", Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
      return { stop: () => undefined, done: Promise.reject(err) };
    }
    const h = this.real.watch(kind, opts, onEvent);
    this.live = h;
    return h;
  };

  /** Drop the live watch and refuse reconnects until `restore()`. */
  cut(): void {
    this.down = true;
    this.live?.stop();
  }

  restore(): void {
    this.down = false;
  }
}

function cm(name: string, data: Record<string, string> = {}, namespace = "default"): ConfigMap {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

function recorder<T extends KObject>(inf: Informer<T>): string[] {
  const events: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}`),
    onUpdate: (a, b) => events.push(`update ${b.metadata.name} ${JSON.stringify(a.data)}->${JSON.stringify(b.data)}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  cleanup.push(() => s.close());
  return s;
}

function informer<T extends KObject>(client: ListWatchClient, kind: string, opts: ConstructorParameters<typeof Informer<T>>[2] = {}): Informer<T> {
  const inf = new Informer<T>(client, kind, { backoff: { baseMs: 20, capMs: 100 }, ...opts });
  cleanup.push(() => inf.stop());
  return inf;
}

describe("Informer against the real API server", () => {
  it("drops managedFields from cached objects (listed and watched) unless asked to keep them; an update without them keeps the server's record", async () => {
    const s = await server();
    await s.client.create(cm("listed"));
    const inf = informer<ConfigMap>(s.client, "ConfigMap", { namespace: "default" });
    const keep = informer<ConfigMap>(s.client, "ConfigMap", { namespace: "default", keepManagedFields: true });
    inf.start();
    keep.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(await keep.waitForSync()).toBe(true);
    await s.client.create(cm("watched"));
    await eventually("both informers see the new object", () => !!inf.get("default/watched") && !!keep.get("default/watched"));
    for (const n of ["listed", "watched"]) {
      expect(inf.get(`default/${n}`)!.metadata).not.toHaveProperty("managedFields");
      expect((keep.get(`default/${n}`)!.metadata as { managedFields?: unknown[] }).managedFields?.length).toBe(1);
    }
    const updated = await s.client.update({ ...inf.get("default/watched")!, data: { v: "2" } });
    expect((updated.metadata as { managedFields?: unknown[] }).managedFields?.length).toBe(1);
  });

  it("lists, then sees ADDED, MODIFIED and DELETED", async () => {
    const s = await server();
    await s.client.create(cm("before", { v: "1" }));
    const inf = informer<ConfigMap>(s.client, "ConfigMap", { namespace: "default" });
    const events = recorder(inf);
    inf.start();
    expect(await inf.waitForSync()).toBe(true);
    expect(events).toEqual(["add before"]);

    await s.client.create(cm("a", { v: "1" }));
    const a = await s.client.get<ConfigMap>("ConfigMap", "a", "default");
    await s.client.update({ ...a, data: { v: "2" } });
    await s.client.delete("ConfigMap", "before", { namespace: "default" });
    await eventually("three events", () => events.length === 4);
    expect(events.slice(1)).toEqual(["add a", 'update a {"v":"1"}->{"v":"2"}', "delete before"]);
    expect(inf.list().map((o) => o.metadata.name)).toEqual(["a"]);
    expect(inf.get("default/a")?.data).toEqual({ v: "2" });
  });

  it("applies selectors and keeps indexes", async () => {
    const s = await server();
    const pod = (name: string, app: string, nodeName?: string): Pod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels: { app } },
      spec: { containers: [{ name: "c", image: "busybox" }], ...(nodeName ? { nodeName } : {}) },
    });
    await s.client.create(pod("w1", "web", "n1"));
    await s.client.create(pod("d1", "db", "n1"));
    const inf = informer<Pod>(s.client, "Pod", { labelSelector: "app=web" });
    inf.addIndex("node", nodeNameIndex);
    inf.start();
    await inf.waitForSync();
    await s.client.create(pod("w2", "web"));
    await s.client.create(pod("d2", "db"));
    await eventually("w2", () => inf.size() === 2);
    expect(inf.keys().sort()).toEqual(["default/w1", "default/w2"]);
    expect(inf.byIndex("node", "n1").map((p) => p.metadata.name)).toEqual(["w1"]);
    expect(inf.byIndex("node", "").map((p) => p.metadata.name)).toEqual(["w2"]);
  });

  it("resumes from the last resourceVersion after a disconnect, without relisting", async () => {
    const s = await server();
    const net = new Outage(s.client);
    const inf = informer<ConfigMap>(net, "ConfigMap", { namespace: "default" });
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    await s.client.create(cm("x", { v: "1" }));
    await eventually("add x", () => events.length === 1);
    const rvBefore = inf.lastResourceVersion();

    net.cut();
    await eventually("reconnect attempts while down", () => net.watchFrom.length >= 3);
    // changes the informer misses while disconnected
    await s.client.create(cm("y"));
    const x = await s.client.get<ConfigMap>("ConfigMap", "x", "default");
    await s.client.update({ ...x, data: { v: "2" } });
    await s.client.delete("ConfigMap", "y", { namespace: "default" });
    net.restore();

    await eventually("replayed events", () => events.length === 4);
    expect(events.slice(1)).toEqual(["add y", 'update x {"v":"1"}->{"v":"2"}', "delete y"]);
    expect(net.lists).toBe(1);
    expect(net.watchFrom.slice(1).every((rv) => rv === rvBefore)).toBe(true);
  });

  it("advances the resourceVersion on BOOKMARK events", async () => {
    const s = await server({ bookmarkIntervalMs: 20 });
    const ns: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } };
    await s.client.create(ns);
    const inf = informer<ConfigMap>(s.client, "ConfigMap", { namespace: "default" });
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    const created = await s.client.create(cm("elsewhere", {}, "other"));
    const rv = Number(created.metadata.resourceVersion);
    await eventually("bookmark past the other namespace's write", () => Number(inf.lastResourceVersion()) >= rv);
    expect(events).toEqual([]);
  });

  it("relists after 410 Gone and emits only what changed", async () => {
    // compact everything, often: any resourceVersion the informer held becomes too old
    const s = await server({ compaction: { keepRevisions: 0, keepMinutes: 0, intervalMs: 20 } });
    await s.client.create(cm("keep"));
    await s.client.create(cm("change", { v: "1" }));
    await s.client.create(cm("drop"));
    const net = new Outage(s.client);
    const inf = informer<ConfigMap>(net, "ConfigMap", { namespace: "default" });
    const events = recorder(inf);
    inf.start();
    await inf.waitForSync();
    expect(events.sort()).toEqual(["add change", "add drop", "add keep"]);
    events.length = 0;

    net.cut();
    const change = await s.client.get<ConfigMap>("ConfigMap", "change", "default");
    await s.client.update({ ...change, data: { v: "2" } });
    await s.client.delete("ConfigMap", "drop", { namespace: "default" });
    const added = await s.client.create(cm("new"));
    // wait until the server has compacted past everything the informer saw (a probe watch from
    // there gets ERROR 410; before that it replays the newer events above and ends at the first)
    await eventually("compaction past the informer's resourceVersion", async () => {
      const first = await new Promise<string>((resolve) => {
        const h = s.client.watch("ConfigMap", { namespace: "default", resourceVersion: inf.lastResourceVersion() }, (e) => {
          resolve(e.type);
          h.stop();
        });
        h.done.then(() => resolve("end"), () => resolve("ERROR"));
      });
      return first === "ERROR";
    });
    net.restore();

    await eventually("relist and diff", () => net.lists === 2 && events.length === 3);
    expect(events.sort()).toEqual(["add new", "delete drop", 'update change {"v":"1"}->{"v":"2"}']);
    expect(inf.keys().sort()).toEqual(["default/change", "default/keep", "default/new"]);
    expect(Number(inf.lastResourceVersion())).toBeGreaterThanOrEqual(Number(added.metadata.resourceVersion));

    // and the watch after the relist is live again
    await s.client.create(cm("after"));
    await eventually("event after relist", () => inf.get("default/after") !== undefined);
  });
});
