/**
 * OpenAPI documents and server-side field validation (issue 13): the real kubectl with no extra
 * flags (it reads /openapi/v3, sees `fieldValidation` and leaves validation to the server), and
 * Strict/Warn/Ignore on create, update and patch over plain HTTP.
 */
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let tls: TestServer;
let plain: TestServer;
beforeAll(async () => {
  assertKubectl("OpenAPI is checked with the real kubectl");
  [tls, plain] = await Promise.all([startTestServer({ tls: true }), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([tls?.close(), plain?.close()]);
});

const kubectl = (...args: string[]) => kubectlAgainst(tls, args);
const write = (name: string, text: string): string => {
  const p = path.join(tls.dataDir, name);
  fs.writeFileSync(p, text);
  return p;
};

interface Answer {
  code: number;
  body: Record<string, unknown>;
  warnings: string[];
  headers: Headers;
}
async function call(method: string, p: string, body?: unknown, contentType = "application/json", headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(plain.url + p, {
    method,
    headers: { authorization: `Bearer ${plain.token}`, "content-type": contentType, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const warnings = (r.headers.get("warning") ?? "").split(/,\s*(?=299 )/).filter(Boolean);
  return { code: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, warnings, headers: r.headers };
}

const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" }, ...extra });

describe("OpenAPI", () => {
  it("serves v2 and a v3 index whose group/version documents describe every kind with kubectl's extensions", async () => {
    const v2 = await call("GET", "/openapi/v2");
    expect(v2.code).toBe(200);
    const defs = v2.body.definitions as Record<string, { properties?: Record<string, Record<string, unknown>> }>;
    expect(defs["io.k8s.api.apps.v1.Deployment"]).toBeTruthy();
    expect(defs["io.k8s.api.core.v1.PodSpec"]!.properties!.containers).toMatchObject({
      "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
    });
    const index = (await call("GET", "/openapi/v3")).body.paths as Record<string, { serverRelativeURL: string }>;
    expect(Object.keys(index).sort()).toEqual([
      "api/v1", "apis/apps/v1", "apis/apps/v1beta1", "apis/apps/v1beta2", "apis/batch/v1", "apis/batch/v1beta1", "apis/coordination.k8s.io/v1", "apis/extensions/v1beta1", "apis/storage.k8s.io/v1", "apis/storage.k8s.io/v1beta1",
    ]);
    const apps = (await call("GET", index["apis/apps/v1"]!.serverRelativeURL)).body;
    const patch = (apps.paths as Record<string, { patch?: { parameters: { name: string; in: string }[]; "x-kubernetes-group-version-kind": unknown } }>)[
      "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    ]!.patch!;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(patch.parameters.some((p) => p.name === "fieldValidation" && p.in === "query")).toBe(true);
    const schemas = (apps.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toContain("io.k8s.api.apps.v1.StatefulSet");
    expect(Object.keys(schemas)).toContain("io.k8s.api.core.v1.Container");
    expect(Object.keys(schemas)).not.toContain("io.k8s.api.core.v1.Service");
    expect((await call("GET", "/openapi/v3/apis/nope/v1")).code).toBe(404);
  });

  it("is served from memory with an ETag (304 on If-None-Match) and gzip", async () => {
    const first = await fetch(plain.url + "/openapi/v3/api/v1", { headers: { authorization: `Bearer ${plain.token}`, "accept-encoding": "identity" } });
    const etag = first.headers.get("etag")!;
    const text = await first.text();
    expect(etag).toMatch(/^"[0-9A-F]{32}"$/);
    const again = await fetch(plain.url + "/openapi/v3/api/v1", { headers: { authorization: `Bearer ${plain.token}`, "if-none-match": etag } });
    expect(again.status).toBe(304);
    // raw bytes: ask for gzip and decode it ourselves
    const { request } = await import("node:http");
    const gz = await new Promise<{ enc?: string; body: Buffer }>((resolve, reject) => {
      const u = new URL(plain.url + "/openapi/v3/api/v1");
      request({ host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${plain.token}`, "accept-encoding": "gzip" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ enc: res.headers["content-encoding"], body: Buffer.concat(chunks) }));
      }).on("error", reject).end();
    });
    expect(gz.enc).toBe("gzip");
    expect(gunzipSync(gz.body).toString()).toBe(text);
    expect(gz.body.length).toBeLessThan(text.length / 4);
  });

  it("kubectl create/apply/replace/diff -f work with kubectl's default validation", async () => {
    const dep = (replicas: number) => write("web.yaml", [
      "apiVersion: apps/v1", "kind: Deployment", "metadata: {name: web}", "spec:", `  replicas: ${replicas}`, "  selector: {matchLabels: {app: web}}",
      "  template:", "    metadata: {labels: {app: web}}", "    spec:", "      containers: [{name: web, image: 'nginx:1.25'}]", "",
    ].join("\n"));
    expect((await kubectl("create", "-f", dep(1))).stdout.trim()).toBe("deployment.apps/web created");
    expect((await kubectl("apply", "-f", dep(2))).stdout.trim()).toBe("deployment.apps/web configured");
    const diff = await kubectl("diff", "-f", dep(3));
    expect(diff.code).toBe(1); // kubectl diff: 1 = differences found
    expect(diff.stdout).toMatch(/-\s+replicas: 2\n\+\s+replicas: 3/);
    expect((await kubectl("replace", "-f", dep(3))).stdout.trim()).toBe("deployment.apps/web replaced");
    expect(JSON.parse((await kubectl("get", "deploy", "web", "-o", "json")).stdout).spec.replicas).toBe(3);
  });

  it("kubectl refuses a misspelled field by default, naming its path, and creates nothing; --validate=warn warns and drops it", async () => {
    const bad = write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers: [{name: c, image: 'nginx:1.25', imagePullPolicyy: Never}]\n");
    const r = await kubectl("create", "-f", bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy"');
    expect((await kubectl("get", "pod", "typo")).code).not.toBe(0);
    const w = await kubectl("create", "--validate=warn", "-f", bad);
    expect(w.stdout.trim()).toBe("pod/typo created");
    expect(w.stderr).toContain('Warning: unknown field "spec.containers[0].imagePullPolicyy"');
    const pod = JSON.parse((await kubectl("get", "pod", "typo", "-o", "json")).stdout) as { spec: { containers: Record<string, unknown>[] } };
    expect(pod.spec.containers[0]).not.toHaveProperty("imagePullPolicyy");
  });

  it("an old extensions/v1beta1 Deployment (no selector) applies verbatim through kubectl, with Kubernetes' deprecation warning", async () => {
    const old = write("old.yaml", [
      "apiVersion: extensions/v1beta1", "kind: Deployment", "metadata: {name: legacy}", "spec:", "  replicas: 1",
      "  template:", "    metadata: {labels: {app: legacy}}", "    spec:", "      containers: [{name: c, image: 'nginx:1.25'}]", "",
    ].join("\n"));
    const r = await kubectl("apply", "-f", old);
    expect(r.stdout.trim()).toBe("deployment.extensions/legacy created");
    expect(r.stderr).toContain("Warning: extensions/v1beta1 Deployment is deprecated; use apps/v1 Deployment");
    const d = JSON.parse((await kubectl("get", "deploy", "legacy", "-o", "json")).stdout) as { apiVersion: string; spec: { selector: unknown } };
    expect(d.apiVersion).toBe("apps/v1");
    expect(d.spec.selector).toEqual({ matchLabels: { app: "legacy" } });
    // discovery lists the old version after the canonical one; `get all` shows the object once
    const resources = await kubectl("api-resources");
    expect(resources.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(resources.stdout).toMatch(/^deployments\s+extensions\/v1beta1\s+true\s+Deployment$/m);
    expect((await kubectl("get", "all")).stdout.match(/deployment\.apps\/legacy/g)).toHaveLength(1);
    // answered in the version asked for, so re-applying finds nothing to change
    expect((await kubectl("apply", "-f", old)).stdout.trim()).toBe("deployment.extensions/legacy unchanged");
  });

  it("kubectl explain shows the fields of a kind from the server's schemas", async () => {
    const r = await kubectl("explain", "deployment.spec.strategy", "--recursive");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/KIND:\s+Deployment/);
    expect(r.stdout).toMatch(/rollingUpdate\s+<Object>\n\s+maxSurge/);
    expect(r.stdout).toMatch(/type\s+<string>/);
    const pods = await kubectl("explain", "pods.spec.containers.livenessProbe.httpGet");
    expect(pods.stdout).toMatch(/FIELD: httpGet <HTTPGetAction>/);
    expect(pods.stdout).toMatch(/port\s+<IntOrString> -required-|port\s+<string> -required-/);
  });
});

describe("fieldValidation", () => {
  const base = "/api/v1/namespaces/default/configmaps";

  it("create: Strict refuses with 400 naming each unknown field; Warn (the default) warns and drops; Ignore drops silently", async () => {
    const strict = await call("POST", `${base}?fieldValidation=Strict`, cm("s", { spec: {}, metadata: { name: "s", labelz: {} } }));
    expect(strict.code).toBe(400);
    expect(strict.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    expect(strict.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz", unknown field "spec"');
    expect((await call("GET", `${base}/s`)).code).toBe(404);

    const warn = await call("POST", base, cm("w", { spec: { x: 1 } }));
    expect(warn.code).toBe(201);
    expect(warn.warnings).toEqual(['299 - "unknown field \\"spec\\""']);
    expect(warn.body).not.toHaveProperty("spec");
    expect((await call("GET", `${base}/w`)).body).not.toHaveProperty("spec");

    const ignore = await call("POST", `${base}?fieldValidation=Ignore`, cm("i", { spec: {} }));
    expect(ignore.code).toBe(201);
    expect(ignore.warnings).toEqual([]);
    expect(ignore.body).not.toHaveProperty("spec");
  });

  it("update (PUT): the same three answers", async () => {
    const cur = (await call("GET", `${base}/w`)).body as { metadata: Record<string, unknown> };
    const body = { ...cm("w", { extra: true }), metadata: cur.metadata, data: { a: "2" } };
    const strict = await call("PUT", `${base}/w?fieldValidation=Strict`, body);
    expect(strict.code).toBe(400);
    expect(strict.body.message).toContain('strict decoding error: unknown field "extra"');
    expect(((await call("GET", `${base}/w`)).body.data as Record<string, string>).a).toBe("1");
    const warn = await call("PUT", `${base}/w?fieldValidation=Warn`, body);
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(['299 - "unknown field \\"extra\\""']);
    expect((warn.body.data as Record<string, string>).a).toBe("2");
    const cur2 = (await call("GET", `${base}/w`)).body as { metadata: Record<string, unknown> };
    const ignore = await call("PUT", `${base}/w?fieldValidation=Ignore`, { ...body, metadata: cur2.metadata, data: { a: "3" } });
    expect(ignore.code).toBe(200);
    expect(ignore.warnings).toEqual([]);
    expect(ignore.body).not.toHaveProperty("extra");
  });

  it("patch (merge, strategic, JSON): the result is checked; deep paths keep list indexes", async () => {
    const dep = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "p" },
      spec: { selector: { matchLabels: { app: "p" } }, template: { metadata: { labels: { app: "p" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } } },
    };
    expect((await call("POST", "/apis/apps/v1/namespaces/default/deployments", dep)).code).toBe(201);
    const p = "/apis/apps/v1/namespaces/default/deployments/p";
    const smp = { spec: { template: { spec: { containers: [{ name: "c", imagee: "nginx:1.26" }] } } } };
    const strict = await call("PATCH", `${p}?fieldValidation=Strict`, smp, "application/strategic-merge-patch+json");
    expect(strict.code).toBe(400);
    expect(strict.body.message).toContain('unknown field "spec.template.spec.containers[0].imagee"');
    const warn = await call("PATCH", p, { spec: { replicaz: 3 } }, "application/merge-patch+json");
    expect(warn.code).toBe(200);
    expect(warn.warnings).toEqual(['299 - "unknown field \\"spec.replicaz\\""']);
    const ignore = await call("PATCH", `${p}?fieldValidation=Ignore`, [{ op: "add", path: "/spec/paused2", value: true }], "application/json-patch+json");
    expect(ignore.code).toBe(200);
    expect(ignore.warnings).toEqual([]);
    expect(ignore.body.spec).not.toHaveProperty("paused2");
  });

  it("a value it does not know is a 400 naming the allowed ones; subtrees kctl keeps as written are not checked", async () => {
    const bad = await call("POST", `${base}?fieldValidation=strict`, cm("x"));
    expect(bad.code).toBe(400);
    expect(bad.body.message).toBe('fieldValidation: invalid value "strict": must be one of Ignore, Warn, or Strict');
    // a volume plug-in kctl does not run is accepted as written under Strict
    const pod = {
      apiVersion: "v1", kind: "Pod", metadata: { name: "foreign" },
      spec: { containers: [{ name: "c", image: "nginx:1.25" }], volumes: [{ name: "v", cephfs: { monitors: ["10.0.0.1:6789"], anything: { deep: 1 } } }] },
    };
    const r = await call("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", pod);
    expect(r.code).toBe(201);
    expect(((r.body.spec as { volumes: Record<string, unknown>[] }).volumes[0]!.cephfs as Record<string, unknown>).anything).toEqual({ deep: 1 });
  });

  it("a declared field set to null is unset, as Kubernetes decodes it (kubectl's generated YAML has creationTimestamp: null)", async () => {
    const r = await call("POST", `${base}?fieldValidation=Strict`, { ...cm("nulls"), metadata: { name: "nulls", creationTimestamp: null, labels: null }, immutable: null });
    expect(r.code).toBe(201);
    expect(r.body).not.toHaveProperty("immutable");
    expect(r.body.metadata).not.toHaveProperty("labels");
    expect((r.body.metadata as Record<string, unknown>).creationTimestamp).toMatch(/^\d{4}-/);
  });
});
