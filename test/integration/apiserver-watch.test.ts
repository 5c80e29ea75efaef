/** Watch semantics: initial state, resume, 410, WebSocket, selector transitions, bookmarks, slow watchers, restart. */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { KObject, WatchEvent } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ watchBufferEvents: 50, bookmarkIntervalMs: 100 });
});
afterAll(async () => {
  await s.close();
});

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KObject => ({
  apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(opts: Parameters<TestServer["client"]["watch"]>[1], ns = "default") {
  const events: WatchEvent[] = [];
  const h = s.client.watch("ConfigMap", { namespace: ns, ...opts }, (e) => events.push(e));
  return { events, h, names: () => events.filter((e) => e.type !== "BOOKMARK").map((e) => `${e.type} ${e.object.metadata.name}`) };
}

describe("watch", () => {
  it("without resourceVersion: synthetic ADDED for current objects, then live events", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w1" } });
    await s.client.create(cm("pre"), "w1");
    const w = collect({}, "w1");
    await eventually("condition", () => w.events.length === 1);
    await s.client.create(cm("live"), "w1");
    await s.client.patch("ConfigMap", "live", { data: { a: "1" } }, { namespace: "w1" });
    await s.client.delete("ConfigMap", "live", { namespace: "w1" });
    await eventually("condition", () => w.events.length === 4);
    expect(w.names()).toEqual(["ADDED pre", "ADDED live", "MODIFIED live", "DELETED live"]);
    w.h.stop();
  });

  it("resumes from a revision without gaps or duplicates", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w2" } });
    const first = await s.client.create(cm("r0"), "w2");
    const rv = first.metadata.resourceVersion!;
    for (let i = 1; i <= 20; i++) await s.client.create(cm(`r${i}`), "w2");
    const w = collect({ resourceVersion: rv }, "w2");
    // writes racing with the replay -> live switch
    const writes = Array.from({ length: 20 }, (_, i) => s.client.create(cm(`r${21 + i}`), "w2"));
    await Promise.all(writes);
    // A last write after the others: once it arrives, any duplicate would have arrived before it.
    await s.client.create(cm("r-end"), "w2");
    await eventually("condition", () => w.events.some((e) => e.object.metadata.name === "r-end"));
    const names = w.events.map((e) => e.object.metadata.name);
    expect(names).toHaveLength(41);
    expect(new Set(names).size).toBe(41);
    expect(names).not.toContain("r0");
    const revs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...revs].sort((a, b) => a - b)).toEqual(revs);
    w.h.stop();
  });

  it("a compacted resourceVersion gets an ERROR event with a 410 Expired Status", async () => {
    const a = await s.client.create(cm("old-1"));
    await s.client.create(cm("old-2"));
    await s.client.create(cm("old-3"));
    await s.server.app.kctl.store.compact(1, 0);
    const events: WatchEvent[] = [];
    const h = s.client.watch("ConfigMap", { namespace: "default", resourceVersion: String(Number(a.metadata.resourceVersion) - 1) }, (e) => events.push(e));
    await h.done;
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe("ERROR");
    const st = events[0]!.object as unknown as { code: number; reason: string; message: string };
    expect(st.code).toBe(410);
    expect(st.reason).toBe("Expired");
    expect(st.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it("label selectors: an object leaving the selection is DELETED, one entering it is ADDED", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w3" } });
    // From the current revision: nothing written after it is missed, however late the watch connects.
    const w = collect({ labelSelector: "app=web", resourceVersion: String(s.server.app.kctl.store.currentRevision()) }, "w3");
    await s.client.create(cm("t", { app: "db" }), "w3");
    await s.client.patch("ConfigMap", "t", { metadata: { labels: { app: "web" } } }, { namespace: "w3" });
    await s.client.patch("ConfigMap", "t", { data: { x: "1" } }, { namespace: "w3" });
    await s.client.patch("ConfigMap", "t", { metadata: { labels: { app: "db" } } }, { namespace: "w3" });
    await s.client.delete("ConfigMap", "t", { namespace: "w3" });
    await s.client.create(cm("end", { app: "web" }), "w3");
    await eventually("condition", () => w.names().includes("ADDED end"));
    expect(w.names()).toEqual(["ADDED t", "MODIFIED t", "DELETED t", "ADDED end"]);
    w.h.stop();
  });

  it("field selector metadata.name (kubectl's single-object watch)", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w4" } });
    const w = collect({ fieldSelector: "metadata.name=only", resourceVersion: String(s.server.app.kctl.store.currentRevision()) }, "w4");
    await s.client.create(cm("other"), "w4");
    await s.client.create(cm("only"), "w4");
    await s.client.patch("ConfigMap", "only", { data: { x: "1" } }, { namespace: "w4" });
    await eventually("condition", () => w.names().includes("MODIFIED only"));
    expect(w.names()).toEqual(["ADDED only", "MODIFIED only"]);
    w.h.stop();
  });

  it("field selectors: transitions on a kept field (pods' spec.nodeName) and on any other path", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "wf" } });
    // From a known revision, so nothing written after it can be missed, however late the watch connects.
    const resourceVersion = String(s.server.app.kctl.store.currentRevision());
    const pods: WatchEvent[] = [];
    const hp = s.client.watch("Pod", { namespace: "wf", resourceVersion, fieldSelector: "spec.nodeName=n9" }, (e) => pods.push(e));
    const w = collect({ resourceVersion, fieldSelector: "data.mode=on" }, "wf");
    const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox:1" }] } };
    await s.client.create(pod, "wf");
    await s.client.bind("wf", "p", "n9");
    await s.client.patch("Pod", "p", { metadata: { labels: { a: "b" } } }, { namespace: "wf" });
    await s.client.delete("Pod", "p", { namespace: "wf", gracePeriodSeconds: 0 });
    await s.client.create(cm("c1", {}, { mode: "off" }), "wf");
    await s.client.patch("ConfigMap", "c1", { data: { mode: "on" } }, { namespace: "wf" });
    await s.client.patch("ConfigMap", "c1", { data: { x: "1" } }, { namespace: "wf" });
    await s.client.patch("ConfigMap", "c1", { data: { mode: "off" } }, { namespace: "wf" });
    await s.client.create(cm("end", {}, { mode: "on" }), "wf");
    await eventually("condition", () => w.names().includes("ADDED end") && pods.length >= 3);
    expect(pods.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED p", "MODIFIED p", "DELETED p"]);
    expect(w.names()).toEqual(["ADDED c1", "MODIFIED c1", "DELETED c1", "ADDED end"]);
    hp.stop();
    w.h.stop();
  });

  it("bookmarks carry the current revision; timeoutSeconds ends the stream", async () => {
    const events: WatchEvent[] = [];
    const t0 = Date.now();
    const h = s.client.watch("ConfigMap", { namespace: "w4", resourceVersion: String(s.server.app.kctl.store.currentRevision()), allowWatchBookmarks: true, timeoutSeconds: 1 }, (e) => events.push(e));
    await h.done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const bm = events.filter((e) => e.type === "BOOKMARK");
    expect(bm.length).toBeGreaterThan(0);
    expect(bm[0]!.object).toEqual({ kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
  });

  it("serves the same stream over WebSocket", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w5" } });
    await s.client.create(cm("before"), "w5");
    const ws = new WebSocket(`${s.url.replace("http", "ws")}/api/v1/namespaces/w5/configmaps?watch=true`, { headers: { authorization: `Bearer ${s.token}` } });
    const events: WatchEvent[] = [];
    ws.on("message", (m) => events.push(JSON.parse(String(m)) as WatchEvent));
    await new Promise((r) => ws.once("open", r));
    await eventually("condition", () => events.length === 1);
    await s.client.create(cm("after"), "w5");
    await eventually("condition", () => events.length === 2);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED before", "ADDED after"]);
    ws.close();
    const denied = new WebSocket(`${s.url.replace("http", "ws")}/api/v1/namespaces/w5/configmaps?watch=true`);
    const err = await new Promise<Error>((r) => denied.once("error", r));
    expect(err.message).toMatch(/401/);
  });

  it("a slow watcher is cut off without harming the others or the writers", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w6" } });
    const hub = s.server.app.kctl.hub;
    const cutoffsBefore = hub.cutoffs;
    const url = new URL(`${s.url}/api/v1/namespaces/w6/configmaps?watch=true&resourceVersion=${s.server.app.kctl.store.currentRevision()}`);
    // A client that never reads: its socket buffers fill, then the server-side queue.
    let slow: http.IncomingMessage | undefined;
    const slowEnded = new Promise<void>((resolve) => {
      const req = http.get(url, { headers: { authorization: `Bearer ${s.token}` } }, (res) => {
        slow = res;
        res.pause();
        res.on("end", () => resolve());
        res.on("close", () => resolve());
      });
      req.on("error", () => resolve());
    });
    const fast = collect({ resourceVersion: String(s.server.app.kctl.store.currentRevision()) }, "w6");
    // The slow watch has its response headers, so it is registered (same turn) before the writes.
    await eventually("condition", () => slow !== undefined);
    const big = "x".repeat(200_000);
    const n = 150;
    const t0 = Date.now();
    for (let i = 0; i < n; i++) await s.client.create(cm(`big-${i}`, {}, { big }), "w6");
    const writeMs = Date.now() - t0;
    await eventually("condition", () => fast.events.length === n, { timeoutMs: 20_000 });
    await eventually("condition", () => hub.cutoffs > cutoffsBefore, { timeoutMs: 10_000 });
    expect(writeMs).toBeLessThan(15_000);
    fast.h.stop();
    // once it reads again, the slow client sees its stream end (it would resume from its last version)
    slow?.resume();
    await slowEnded;
  }, 40_000);
});

describe("restart", () => {
  it("close() with writes in flight loses no acknowledged write and ends watches cleanly", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "inflight" } });
    const seen: string[] = [];
    const watchDone = s.client.watch("ConfigMap", { namespace: "inflight" }, (e) => seen.push(e.type)).done;
    await s.client.create(cm("first"), "inflight");
    await eventually("condition", () => seen.length === 1);
    const acked: string[] = [];
    const writes = Array.from({ length: 200 }, (_, i) =>
      s.client.create(cm(`f-${i}`), "inflight").then((o) => acked.push(o.metadata.name!), () => undefined),
    );
    await eventually("condition", () => acked.length >= 10);
    await s.restart(); // close() while requests are in flight, then start on the same data dir
    await Promise.all(writes);
    await expect(watchDone).resolves.toBeUndefined();
    const stored = new Set((await s.client.list("ConfigMap", { namespace: "inflight" })).items.map((o) => o.metadata.name));
    for (const n of acked) expect(stored.has(n)).toBe(true);
  });


  it("finds every object and the revision counter intact", async () => {
    for (let i = 0; i < 30; i++) await s.client.create(cm(`persist-${i}`, { i: String(i) }));
    const before = await s.client.list("ConfigMap", { namespace: "default" });
    const rev = s.server.app.kctl.store.currentRevision();
    await s.restart();
    const after = await s.client.list("ConfigMap", { namespace: "default" });
    expect(after.items).toEqual(before.items);
    expect(s.server.app.kctl.store.currentRevision()).toBe(rev);
    const next = await s.client.create(cm("after-restart"));
    expect(Number(next.metadata.resourceVersion)).toBe(rev + 1);
    // a watch can resume across the restart from a revision still in the log
    const events: WatchEvent[] = [];
    const h = s.client.watch("ConfigMap", { namespace: "default", resourceVersion: String(rev - 1) }, (e) => events.push(e));
    await eventually("condition", () => events.length === 2);
    expect(events.map((e) => e.object.metadata.name)).toEqual(["persist-29", "after-restart"]);
    h.stop();
  });
});
