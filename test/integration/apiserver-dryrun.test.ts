/**
 * Server-side dry run (`?dryRun=All`): create, update and patch answer as if they wrote, and
 * write nothing (no object, no revision); invalid objects still get their 422; anything else is
 * refused, never silently written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../lib/errors.js";
import type { Deployment, KObject } from "../../lib/types.js";
import { makeDeployment } from "../helpers/builders.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

const path = "/apis/apps/v1/namespaces/default/deployments";

async function revision(): Promise<string> {
  const list = await srv.client.list("Deployment", { namespace: "default" });
  return list.metadata.resourceVersion ?? "";
}

async function expectApiError(p: Promise<unknown>, code: number, text: string | RegExp): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe(code);
  expect((e as ApiError).message).toMatch(text);
}

describe("dryRun=All", () => {
  it("create answers with the defaulted object and stores nothing", async () => {
    const before = await revision();
    const out = await srv.client.request<Deployment>("POST", path, { query: { dryRun: "All" }, body: makeDeployment("dry", 2) });
    expect(out.metadata.name).toBe("dry");
    expect(out.metadata.uid).toBeTruthy();
    expect(out.spec.strategy?.type).toBe("RollingUpdate"); // defaults ran
    await expectApiError(srv.client.get("Deployment", "dry", "default"), 404, /not found/);
    expect(await revision()).toBe(before);
  });

  it("a create of a name that exists gets its 409, as a real create would", async () => {
    await srv.client.create(makeDeployment("taken", 1));
    const before = await revision();
    await expectApiError(srv.client.request("POST", path, { query: { dryRun: "All" }, body: makeDeployment("taken", 3) }), 409, /deployments.apps "taken" already exists/);
    expect(await revision()).toBe(before);
    expect((await srv.client.get<Deployment>("Deployment", "taken", "default")).spec.replicas).toBe(1);
  });

  it("an invalid object still gets its 422, and nothing is written", async () => {
    const before = await revision();
    await expectApiError(
      srv.client.request("POST", path, { query: { dryRun: "All" }, body: makeDeployment("bad", -1) }),
      422,
      /spec\.replicas: .*must be greater than or equal to 0|spec\.replicas/,
    );
    expect(await revision()).toBe(before);
  });

  it("update and patch answer with the change and leave the stored object as it was", async () => {
    const created = await srv.client.create(makeDeployment("keep", 1));
    const rev = await revision();
    const put = await srv.client.request<Deployment>("PUT", `${path}/keep`, { query: { dryRun: "All" }, body: { ...created, spec: { ...created.spec, replicas: 5 } } });
    expect(put.spec.replicas).toBe(5);
    const patched = await srv.client.request<Deployment>("PATCH", `${path}/keep`, {
      query: { dryRun: "All" },
      body: { spec: { replicas: 7 } },
      contentType: "application/merge-patch+json",
    });
    expect(patched.spec.replicas).toBe(7);
    const now = await srv.client.get<Deployment>("Deployment", "keep", "default");
    expect(now.spec.replicas).toBe(1);
    expect(now.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(await revision()).toBe(rev);
  });

  it("is refused where it is not supported, and for values other than All", async () => {
    await srv.client.create(makeDeployment("nodry", 1));
    await expectApiError(srv.client.request<KObject>("DELETE", `${path}/nodry`, { query: { dryRun: "All" } }), 400, /only for create, update and patch/);
    await expectApiError(srv.client.request("POST", path, { query: { dryRun: "yes" }, body: makeDeployment("x", 1) }), 400, /only supported value is "All"/);
    expect((await srv.client.get<Deployment>("Deployment", "nodry", "default")).metadata.deletionTimestamp).toBeUndefined();
  });
});
