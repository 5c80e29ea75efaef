/** Every bad input gets the right code and a Kubernetes Status; nothing invalid is stored. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ bodyLimitBytes: 64 * 1024 });
});
afterAll(async () => {
  await s.close();
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}, auth = true) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    body,
    headers: { ...(auth ? { authorization: `Bearer ${s.token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, json, text };
}

function expectStatus(r: { status: number; json: Record<string, unknown> }, code: number, reason?: string) {
  expect(r.status).toBe(code);
  expect(r.json.kind).toBe("Status");
  expect(r.json.apiVersion).toBe("v1");
  expect(r.json.status).toBe("Failure");
  expect(r.json.code).toBe(code);
  if (reason) expect(r.json.reason).toBe(reason);
}

const podJson = (name: string, spec: unknown = { containers: [{ name: "c", image: "nginx" }] }) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec });

describe("authentication", () => {
  it("401 without or with a wrong token; health and version are open", async () => {
    expectStatus(await call("GET", "/api/v1/pods", undefined, {}, false), 401, "Unauthorized");
    expectStatus(await call("GET", "/api/v1/pods", undefined, { authorization: "Bearer nope" }, false), 401);
    expectStatus(await call("GET", "/nonexistent", undefined, {}, false), 401);
    for (const p of ["/healthz", "/readyz", "/livez"]) expect((await call("GET", p, undefined, {}, false)).status).toBe(200);
    const v = await call("GET", "/version", undefined, {}, false);
    expect(v.json.gitVersion).toBe("v1.30.0-kctl");
  });
  it("a node credential reads nodes; the join token alone reads nothing", async () => {
    const cred = await s.nodeCredential("errors-node");
    const r = await fetch(`${s.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${cred.token}` } });
    expect(r.status).toBe(200);
    expectStatus(await call("GET", "/api/v1/nodes", undefined, { authorization: `Bearer ${s.nodeToken}` }, false), 403, "Forbidden");
  });
});

describe("validation (422 names the field)", () => {
  const cases: [string, string, string, RegExp][] = [
    ["bad name", "/api/v1/namespaces/default/pods", podJson("Bad_Name"), /metadata\.name: must be a DNS-1123 subdomain/],
    ["no containers", "/api/v1/namespaces/default/pods", podJson("x", { containers: [] }), /spec\.containers: Required value/],
    ["no image", "/api/v1/namespaces/default/pods", podJson("x", { containers: [{ name: "c" }] }), /spec\.containers\[0\]\.image: Required value/],
    ["dup container", "/api/v1/namespaces/default/pods", podJson("x", { containers: [{ name: "c", image: "a" }, { name: "c", image: "b" }] }), /spec\.containers\[1\]\.name: Duplicate value/],
    ["bad port", "/api/v1/namespaces/default/pods", podJson("x", { containers: [{ name: "c", image: "a", ports: [{ containerPort: 70000 }] }] }), /spec\.containers\[0\]\.ports\[0\]\.containerPort: must be between 1 and 65535/],
    ["sidecar init container", "/api/v1/namespaces/default/pods", podJson("x", { containers: [{ name: "c", image: "a" }], initContainers: [{ name: "s", image: "a", restartPolicy: "Always" }] }), /spec\.initContainers\[0\]\.restartPolicy: Unsupported value: "Always": sidecar init containers/],
    ["bad label", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "x", labels: { "bad key!": "v" } } }), /metadata\.labels: invalid label key/],
    ["bad label value", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "x", labels: { k: "-bad-" } } }), /metadata\.labels\[k\]: invalid label value/],
    ["namespace label name", "/api/v1/namespaces", JSON.stringify({ metadata: { name: "a.b" } }), /metadata\.name: must be a DNS-1123 label/],
    ["service name", "/api/v1/namespaces/default/services", JSON.stringify({ metadata: { name: "1svc" }, spec: { ports: [{ port: 80 }] } }), /metadata\.name: must be a DNS-1035 label/],
    ["service port", "/api/v1/namespaces/default/services", JSON.stringify({ metadata: { name: "svc" }, spec: { ports: [{ port: 0 }] } }), /spec\.ports\[0\]\.port: must be between 1 and 65535/],
    ["replicas", "/apis/apps/v1/namespaces/default/deployments", JSON.stringify({ metadata: { name: "d" }, spec: { replicas: -1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }), /spec\.replicas: must be greater than or equal to 0/],
    ["selector required", "/apis/apps/v1/namespaces/default/deployments", JSON.stringify({ metadata: { name: "d" }, spec: { template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }), /spec\.selector: Required value/],
    ["selector mismatch", "/apis/apps/v1/namespaces/default/replicasets", JSON.stringify({ metadata: { name: "r" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "c" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }), /spec\.template\.metadata\.labels: `selector` does not match template `labels`/],
    ["surge+unavailable 0", "/apis/apps/v1/namespaces/default/deployments", JSON.stringify({ metadata: { name: "d" }, spec: { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } }), /spec\.strategy\.rollingUpdate\.maxUnavailable: may not be 0 when `maxSurge` is 0/],
  ];
  for (const [label, path, body, msg] of cases) {
    it(label, async () => {
      const r = await call("POST", path, body);
      expectStatus(r, 422, "Invalid");
      expect(String(r.json.message)).toMatch(msg);
      const causes = (r.json.details as { causes: { field: string }[] }).causes;
      expect(causes.length).toBeGreaterThan(0);
    });
  }
  it("nothing invalid was stored", async () => {
    const list = await s.client.list("Pod", { namespace: "default" });
    expect(list.items).toHaveLength(0);
  });
});

describe("malformed and unsupported requests", () => {
  it("400 for malformed JSON and YAML", async () => {
    expectStatus(await call("POST", "/api/v1/namespaces/default/pods", "{not json"), 400, "BadRequest");
    expectStatus(await call("POST", "/api/v1/namespaces/default/pods", "a: [b", { "content-type": "application/yaml" }), 400, "BadRequest");
    expectStatus(await call("POST", "/api/v1/namespaces/default/pods", "[1,2]"), 400, "BadRequest");
    expectStatus(await call("POST", "/api/v1/namespaces/default/pods", JSON.stringify({ kind: "Service", metadata: { name: "x" } })), 400);
  });
  it("YAML bodies are accepted", async () => {
    const yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    const r = await call("POST", "/api/v1/namespaces/default/pods", yaml, { "content-type": "application/yaml" });
    expect(r.status).toBe(201);
    await s.client.delete("Pod", "from-yaml", { namespace: "default" });
  });
  it("404 for unknown kinds, paths, objects and namespaces", async () => {
    expectStatus(await call("GET", "/api/v1/widgets"), 404, "NotFound");
    expectStatus(await call("GET", "/apis/nope/v1/things"), 404);
    expectStatus(await call("GET", "/openapi/v3/apis/nope/v1"), 404);
    const r = await call("GET", "/api/v1/namespaces/default/pods/missing");
    expectStatus(r, 404);
    expect(r.json.message).toBe('pods "missing" not found');
    const ns = await call("POST", "/api/v1/namespaces/nowhere/pods", podJson("x"));
    expectStatus(ns, 404);
    expect(ns.json.message).toBe('namespaces "nowhere" not found');
  });
  it("409 AlreadyExists", async () => {
    expect((await call("POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "dup" } }))).status).toBe(201);
    const r = await call("POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "dup" } }));
    expectStatus(r, 409, "AlreadyExists");
    expect(r.json.message).toBe('configmaps "dup" already exists');
  });
  it("413 for bodies over the limit", async () => {
    const big = JSON.stringify({ metadata: { name: "big" }, data: { x: "a".repeat(100 * 1024) } });
    expectStatus(await call("POST", "/api/v1/namespaces/default/configmaps", big), 413, "RequestEntityTooLarge");
  });
  it("415 for unknown content types and patch types", async () => {
    expectStatus(await call("POST", "/api/v1/namespaces/default/configmaps", "x", { "content-type": "text/plain" }), 415, "UnsupportedMediaType");
    expectStatus(await call("PATCH", "/api/v1/namespaces/default/configmaps/dup", "{}", { "content-type": "application/json" }), 415);
    expectStatus(await call("PATCH", "/api/v1/namespaces/default/configmaps/dup", "{}", { "content-type": "application/apply-patch+cbor" }), 415);
  });
  it("405 for unsupported verbs", async () => {
    expectStatus(await call("PUT", "/api/v1/namespaces/default/configmaps", "{}"), 405, "MethodNotAllowed");
    expectStatus(await call("POST", "/api/v1/namespaces/default/configmaps/dup", "{}"), 405);
    expectStatus(await call("OPTIONS", "/api/v1/namespaces/default/configmaps"), 405);
  });
  it("metrics in Prometheus text format", async () => {
    const r = await call("GET", "/metrics");
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/apiserver_request_total\{verb="create",resource="configmaps",code="201"\} \d+/);
    expect(r.text).toMatch(/apiserver_request_duration_seconds_bucket\{verb="create",resource="configmaps",le="\+Inf"\} \d+/);
    expect(r.text).toMatch(/apiserver_open_watches \d+/);
    expect(r.text).toMatch(/apiserver_store_revision \d+/);
    expect(r.text).toMatch(/apiserver_store_size_bytes [1-9]\d*/);
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(r.text)?.[1]);
    expect(rss).toBeGreaterThan(10e6); // a Node process is never below 10 MB resident
    expect(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(r.text)?.[1])).toBeLessThan(rss);
    expect(Number(/^process_start_time_seconds (\d+)$/m.exec(r.text)?.[1])).toBeCloseTo(Date.now() / 1000, -3);
  });
  it("discovery", async () => {
    const api = await call("GET", "/api/v1");
    const pods = (api.json.resources as { name: string; shortNames?: string[]; verbs: string[] }[]).find((r) => r.name === "pods");
    expect(pods?.shortNames).toEqual(["po"]);
    expect(pods?.verbs).toContain("watch");
    expect((api.json.resources as { name: string }[]).map((r) => r.name)).toContain("pods/status");
    const groups = await call("GET", "/apis");
    expect((groups.json.groups as { name: string }[]).map((g) => g.name)).toEqual(expect.arrayContaining(["apps", "coordination.k8s.io"]));
    const apps = await call("GET", "/apis/apps/v1");
    expect((apps.json.resources as { name: string }[]).map((r) => r.name)).toEqual(expect.arrayContaining(["deployments", "deployments/scale", "replicasets"]));
  });
});
