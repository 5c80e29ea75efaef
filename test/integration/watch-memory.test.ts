/**
 * Issue 21, finding 5: a client that stops reading while its watch sends the initial list is cut
 * off by the write deadline (its connection closed, its buffers freed), while a reading client in
 * the same moment gets everything, and a slow-but-reading client gets the whole list in order.
 */
import { pausedWatchClient } from "../../bench/paused-watch-client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KObject } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const OBJECTS = 300;
const VALUE = "x".repeat(20_000);

beforeAll(async () => {
  srv = await startTestServer({ watchWriteDeadlineMs: 3_000 });
  await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "big" } } as KObject);
  // ~6 MB of ConfigMaps: more than loopback socket buffers absorb for a client that never reads.
  for (let i = 0; i < OBJECTS; i += 30) {
    await Promise.all(Array.from({ length: 30 }, (_, k) => srv.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${String(i + k).padStart(4, "0")}`, namespace: "big" }, data: { v: VALUE } } as KObject)));
  }
});
afterAll(async () => {
  await srv.close();
});

/** Read a watch until `n` ADDED events arrived (reading slowly when `pauseMs` is set). */
async function readAdded(n: number, pauseMs = 0): Promise<string[]> {
  const ctl = new AbortController();
  const res = await fetch(`${srv.url}/api/v1/namespaces/big/configmaps?watch=1`, { headers: { authorization: `Bearer ${srv.token}` }, signal: ctl.signal });
  const names: string[] = [];
  let buf = "";
  const dec = new TextDecoder();
  const deadline = Date.now() + 20_000;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: KObject };
      buf = buf.slice(nl + 1);
      if (ev.type === "ADDED") names.push(ev.object.metadata.name ?? "");
    }
    if (names.length >= n || Date.now() > deadline) break;
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  ctl.abort();
  return names;
}

describe("per-client memory of watches (issue 21)", () => {
  it("cuts off clients that stop reading during the initial list; readers meanwhile get everything", async () => {
    const hub = srv.server.app.kctl.hub;
    const cutoffsBefore = hub.cutoffs;
    const paused = Array.from({ length: 8 }, () => pausedWatchClient(srv.url, srv.token, "/api/v1/namespaces/big/configmaps?watch=1", 60));
    try {
      const reader = await readAdded(OBJECTS);
      expect(reader).toHaveLength(OBJECTS);
      // Cut off by the 3 s write deadline (plus slack; short enough for a test, long enough that a reader on a loaded CI machine is never taken for a stalled one), not left open holding their buffers.
      const deadline = Date.now() + 15_000;
      while (hub.cutoffs - cutoffsBefore < paused.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(hub.cutoffs - cutoffsBefore).toBe(paused.length);
    } finally {
      for (const p of paused) p.kill("SIGKILL");
    }
  }, 30_000);

  it("a slow but reading client receives the whole initial list, in order", async () => {
    const names = await readAdded(OBJECTS, 20);
    expect(names).toEqual(Array.from({ length: OBJECTS }, (_, i) => `cm-${String(i).padStart(4, "0")}`));
  }, 30_000);
});
