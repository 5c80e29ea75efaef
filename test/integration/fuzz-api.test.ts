/**
 * The seeded API fuzzer (bench/fuzz-api.ts) against a real server, CI-sized: every role, every
 * verb, path tricks, bad query values, deep and malformed bodies, out-of-range values, lying
 * Content-Lengths. `node dist/bench/fuzz.js --requests 50000` runs the same at scale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzz, serverRssBytes, storedProblems, type FuzzTarget } from "../../bench/fuzz-api.js";
import type { KObject } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let target: FuzzTarget;

beforeAll(async () => {
  srv = await startTestServer();
  await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "fuzz" } } as KObject);
  await srv.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "base", namespace: "fuzz" }, data: { a: "b" } } as KObject);
  const tokens = srv.server.app.kctl.tokens;
  target = {
    url: srv.url,
    tokens: {
      admin: srv.token,
      edit: tokens.createToken("edit", "fuzz-edit"),
      view: tokens.createToken("view", "fuzz-view"),
      "edit@fuzz": tokens.createToken("edit", "fuzz-edit-ns", { namespace: "fuzz" }),
      node: (await srv.nodeCredential("n1")).token,
    },
  };
});
afterAll(async () => {
  await srv.close();
});

describe("API fuzzer (seeded, bounded)", () => {
  it("2,500 hostile requests: no 5xx, every error a Status, server alive, nothing malformed stored, memory bounded", async () => {
    const rssBefore = await serverRssBytes(target, srv.token);
    const report = await fuzz(target, 2_500, 21);
    expect(report.violations).toEqual([]);
    expect(report.requests).toBe(2_500);
    // The mix reached the interesting answers, not just one of them.
    for (const code of ["200", "201", "400", "401", "403", "404"]) expect(report.byCode[code] ?? 0).toBeGreaterThan(0);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect(await storedProblems(target, srv.token)).toEqual([]);
    const rssAfter = await serverRssBytes(target, srv.token);
    expect(rssAfter - rssBefore).toBeLessThan(300 * 1024 * 1024);
  }, 120_000);
});
