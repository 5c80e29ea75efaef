/**
 * The API server built from an in-memory state (server-state.ts: SQLite in memory, no data dir)
 * and driven with fastify's `inject`: no port, no file. Route behaviour is tested here in
 * milliseconds; the other integration tests keep the real port and SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type ApiServerApp } from "../../apiserver/app.js";
import { memoryServerState } from "../../apiserver/server-state.js";

let app: ApiServerApp;
let admin: string;
let viewer: string;

beforeAll(async () => {
  const state = memoryServerState();
  admin = state.tokens.createToken("admin", "admin");
  viewer = state.tokens.createToken("view", "viewer");
  app = await buildApp(state);
});
afterAll(async () => {
  await app.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe("an API server in memory, through inject", () => {
  it("has the system namespaces and serves discovery", async () => {
    const ns = await app.inject({ method: "GET", url: "/api/v1/namespaces", headers: auth(admin) });
    expect(ns.statusCode).toBe(200);
    expect(ns.json<{ items: { metadata: { name: string } }[] }>().items.map((n) => n.metadata.name)).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    const apis = await app.inject({ method: "GET", url: "/apis", headers: auth(admin) });
    expect(apis.json<{ groups: { name: string }[] }>().groups.map((g) => g.name)).toContain("apps");
  });

  it("creates, reads, patches and deletes, with a resourceVersion only once committed", async () => {
    const created = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", headers: { ...auth(admin), "content-type": "application/json" }, payload: { metadata: { name: "c" }, data: { a: "1" } } });
    expect(created.statusCode).toBe(201);
    const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const got = await app.inject({ method: "GET", url: "/api/v1/namespaces/default/configmaps/c", headers: auth(admin) });
    expect(got.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion).toBe(rv);
    const patched = await app.inject({ method: "PATCH", url: "/api/v1/namespaces/default/configmaps/c", headers: { ...auth(admin), "content-type": "application/merge-patch+json" }, payload: { data: { a: "2" } } });
    expect(patched.json<{ data: { a: string } }>().data.a).toBe("2");
    const del = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default/configmaps/c", headers: auth(admin) });
    expect(del.statusCode).toBe(200);
    const gone = await app.inject({ method: "GET", url: "/api/v1/namespaces/default/configmaps/c", headers: auth(admin) });
    expect(gone.json()).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
  });

  it("answers every refusal with a Status: 401, 403, 400 for a path trick, 422", async () => {
    expect((await app.inject({ method: "GET", url: "/api/v1/pods" })).json()).toMatchObject({ kind: "Status", code: 401 });
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/secrets", headers: auth(viewer) })).json()).toMatchObject({ kind: "Status", code: 403 });
    expect((await app.inject({ method: "GET", url: "/api/v1//secrets", headers: auth(admin) })).json()).toMatchObject({ kind: "Status", code: 400 });
    const bad = await app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/default/deployments", headers: { ...auth(admin), "content-type": "application/json" }, payload: { metadata: { name: "d" }, spec: { replicas: -1 } } });
    expect(bad.json()).toMatchObject({ kind: "Status", code: 422, reason: "Invalid" });
  });

  it("keeps Secrets encrypted with a key that lives in memory only", async () => {
    const r = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/secrets", headers: { ...auth(admin), "content-type": "application/json" }, payload: { metadata: { name: "s" }, stringData: { password: "hunter2" } } });
    expect(r.statusCode).toBe(201);
    expect(r.json<{ data: { password: string } }>().data.password).toBe(Buffer.from("hunter2").toString("base64"));
  });
});
