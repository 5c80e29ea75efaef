/**
 * Server-side apply and managedFields (issue 13): the real kubectl (`apply --server-side`,
 * conflicts between two managers, `--force-conflicts`, migration from client-side apply),
 * kctl's own `apply --server-side`, @kubernetes/client-node's ServerSideApply, and the API's
 * answers to bad apply requests.
 */
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl as runKctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let s: TestServer;
beforeAll(async () => {
  assertKubectl("server-side apply is checked with the real kubectl");
  s = await startTestServer({ tls: true });
});
afterAll(async () => {
  await s?.close();
});

const kubectl = (...args: string[]) => kubectlAgainst(s, args);
const kctl = (...args: string[]) => runKctl(["--kubeconfig", s.kubeconfigPath, ...args]);
const file = (name: string, replicas: number, image = "nginx:1.25", extra: string[] = []) => {
  const p = path.join(s.dataDir, `${name}-${replicas}-${image.replace(/\W/g, "")}.yaml`);
  fs.writeFileSync(p, [
    "apiVersion: apps/v1", "kind: Deployment", `metadata: {name: ${name}}`, "spec:", `  replicas: ${replicas}`, `  selector: {matchLabels: {app: ${name}}}`,
    "  template:", `    metadata: {labels: {app: ${name}}}`, "    spec:", `      containers: [{name: c, image: '${image}'}]`, ...extra, "",
  ].join("\n"));
  return p;
};
/** One request with the kubeconfig's credentials and CA, as client-node's own requests carry them. */
async function request(kc: k8s.KubeConfig, method: string, p: string, body?: string, type?: string): Promise<{ code: number; text: string }> {
  const url = new URL(kc.getCurrentCluster()!.server + p);
  const opts: https.RequestOptions = { method, hostname: url.hostname, port: url.port, path: url.pathname + url.search, headers: type ? { "content-type": type } : {} };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface Managed { manager: string; operation: string; fieldsV1: Record<string, Record<string, unknown>> }
const live = async (name: string) =>
  JSON.parse((await kubectl("get", "deploy", name, "-o", "json", "--show-managed-fields")).stdout) as {
    spec: { replicas: number; template: { spec: { containers: { image: string }[] } }; paused?: boolean };
    metadata: { managedFields: Managed[]; annotations?: Record<string, string> };
  };
const managers = (m: Managed[]) => m.map((e) => `${e.manager}/${e.operation}`).sort();

describe("server-side apply", () => {
  it("kubectl apply --server-side creates, records the applier's fields, and removes what it stops applying", async () => {
    expect((await kubectl("apply", "--server-side", "-f", file("ssa", 2, "nginx:1.25", ["  paused: false"]))).stdout.trim()).toBe("deployment.apps/ssa serverside-applied");
    const d = await live("ssa");
    const mine = d.metadata.managedFields.find((e) => e.manager === "kubectl")!;
    expect(mine.operation).toBe("Apply");
    expect(mine.fieldsV1["f:spec"]).toMatchObject({ "f:replicas": {}, "f:paused": {}, "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {} } } } } });
    expect(d.spec.paused).toBe(false);
    // applied again without paused: the field goes (nobody else owns it)
    await kubectl("apply", "--server-side", "-f", file("ssa", 2));
    expect((await live("ssa")).spec).not.toHaveProperty("paused");
    // kubectl get hides managedFields unless asked, as does kctl
    expect((await kubectl("get", "deploy", "ssa", "-o", "yaml")).stdout).not.toContain("managedFields");
    expect((await kctl("get", "deploy", "ssa", "-o", "yaml")).stdout).not.toContain("managedFields");
    expect((await kctl("get", "deploy", "ssa", "-o", "yaml", "--show-managed-fields")).stdout).toContain("managedFields");
  });

  it("a second manager changing an owned field gets a 409 naming the manager and field; the same value is shared; --force-conflicts takes it over", async () => {
    const other = await kubectl("apply", "--server-side", "--field-manager=ci", "-f", file("ssa", 5));
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect((await live("ssa")).spec.replicas).toBe(2);
    // the same values: no conflict, both own them
    expect((await kubectl("apply", "--server-side", "--field-manager=ci", "-f", file("ssa", 2))).code).toBe(0);
    const shared = (await live("ssa")).metadata.managedFields;
    expect(shared.filter((e) => (e.fieldsV1["f:spec"] ?? {})["f:replicas"]).map((e) => e.manager).sort()).toEqual(["ci", "kubectl"]);
    const two = await kubectl("apply", "--server-side", "--field-manager=ci", "-f", file("ssa", 7, "nginx:1.26"));
    expect(two.stderr).toMatch(/Apply failed with 2 conflicts: conflicts with "kubectl":\n- \.spec\.replicas\n- \.spec\.template\.spec\.containers\[name="c"\]\.image/);
    expect((await kubectl("apply", "--server-side", "--field-manager=ci", "--force-conflicts", "-f", file("ssa", 7, "nginx:1.26"))).code).toBe(0);
    const after = await live("ssa");
    expect(after.spec.replicas).toBe(7);
    expect(after.spec.template.spec.containers[0]!.image).toBe("nginx:1.26");
    const kubectlOwns = after.metadata.managedFields.find((e) => e.manager === "kubectl")!.fieldsV1["f:spec"]!;
    expect(kubectlOwns).not.toHaveProperty("f:replicas");
    // now the first manager is the one refused
    expect((await kubectl("apply", "--server-side", "-f", file("ssa", 2))).stderr).toContain('Apply failed with 2 conflicts: conflicts with "ci":');
  });

  it("client-side apply, then server-side apply, then client-side again: ownership moves as in Kubernetes", async () => {
    expect((await kubectl("apply", "-f", file("mig", 2))).stdout.trim()).toBe("deployment.apps/mig created");
    expect(managers((await live("mig")).metadata.managedFields)).toContain("kubectl-client-side-apply/Update");
    // kubectl's server-side apply takes over what the last-applied annotation lists
    expect((await kubectl("apply", "--server-side", "-f", file("mig", 4))).code).toBe(0);
    const d = await live("mig");
    expect(d.spec.replicas).toBe(4);
    expect(JSON.parse(d.metadata.annotations!["kubectl.kubernetes.io/last-applied-configuration"]!).spec.replicas).toBe(4);
    // a field the annotation does not list still conflicts
    await kubectl("scale", "deploy", "mig", "--replicas=4");
    expect((await kubectl("apply", "-f", file("mig", 3))).stdout.trim()).toBe("deployment.apps/mig configured");
    expect((await live("mig")).spec.replicas).toBe(3);
  });

  it("kctl apply --server-side: the same manager names as kubectl, so either CLI can take over from the other", async () => {
    expect((await kctl("apply", "-f", file("kc", 1))).stdout.trim()).toBe("deployment.apps/kc created");
    expect((await kctl("apply", "--server-side", "-f", file("kc", 3))).stdout.trim()).toBe("deployment.apps/kc serverside-applied");
    const c = await kctl("apply", "--server-side", "--field-manager=ci", "-f", file("kc", 5));
    expect(c.code).toBe(1);
    expect(c.stderr.trim()).toBe('error: deployment.apps/kc: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect((await kctl("apply", "--server-side", "--field-manager=ci", "--force-conflicts", "-f", file("kc", 5))).code).toBe(0);
    expect((await live("kc")).spec.replicas).toBe(5);
    expect((await kctl("apply", "--force-conflicts", "-f", file("kc", 5))).stderr.trim()).toBe("error: --force-conflicts only works with --server-side");
  });

  it("@kubernetes/client-node applies with PatchStrategy.ServerSideApply and reads the OpenAPI document", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfigPath);
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cn-ssa", namespace: "default" }, data: { a: "1" } };
    const made: k8s.KubernetesObject = await api.patch(cm as k8s.KubernetesObject, undefined, undefined, "cn-tool", undefined, k8s.PatchStrategy.ServerSideApply);
    expect(made.metadata?.managedFields?.[0]).toMatchObject({ manager: "cn-tool", operation: "Apply" });
    await expect(api.patch({ ...cm, data: { a: "2" } } as k8s.KubernetesObject, undefined, undefined, "other-tool", undefined, k8s.PatchStrategy.ServerSideApply)).rejects.toMatchObject({ code: 409 });
    const forced = await api.patch({ ...cm, data: { a: "2" } } as k8s.KubernetesObject, undefined, undefined, "other-tool", true, k8s.PatchStrategy.ServerSideApply);
    expect((forced as { data?: Record<string, string> }).data?.a).toBe("2");
    const index = JSON.parse((await request(kc, "GET", "/openapi/v3")).text) as { paths: Record<string, unknown> };
    expect(Object.keys(index.paths)).toContain("api/v1");
  });

  it("refuses bad apply requests with a Status naming the problem, changing nothing", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfigPath);
    const call = async (p: string, body: string, type = "application/apply-patch+yaml") => {
      const r = await request(kc, "PATCH", p, body, type);
      return { code: r.code, body: JSON.parse(r.text) as { reason: string; message: string } };
    };
    const dp = "/apis/apps/v1/namespaces/default/deployments/ssa";
    const before = await live("ssa");
    expect(await call(dp, "kind: Deployment\napiVersion: apps/v1\nspec: {replicas: 9}\n")).toMatchObject({ code: 400, body: { message: expect.stringContaining("fieldManager: Required value") } });
    expect(await call(`${dp}?fieldManager=x`, "kind: ConfigMap\napiVersion: v1\n")).toMatchObject({ code: 400, body: { reason: "BadRequest" } });
    expect(await call(`${dp}?fieldManager=x`, "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: other}\n")).toMatchObject({ code: 400, body: { message: expect.stringContaining("does not match the name on the URL") } });
    expect(await call(`${dp}?fieldManager=x`, "{spec: [")).toMatchObject({ code: 400, body: { message: expect.stringContaining("not valid YAML") } });
    expect(await call(`${dp}?fieldManager=x&force=true`, '{"spec":{"replicas":9}}', "application/merge-patch+json")).toMatchObject({ code: 400, body: { message: "force: Forbidden: may not be specified for non-apply patch" } });
    expect(await call(`${dp}?fieldManager=x&fieldValidation=Strict`, "kind: Deployment\napiVersion: apps/v1\nspec: {replicaz: 9}\n")).toMatchObject({ code: 400, body: { message: expect.stringContaining('unknown field "spec.replicaz"') } });
    const badManaged = JSON.stringify([{ op: "replace", path: "/metadata/managedFields", value: [{ manager: "m", operation: "Sideways", fieldsType: "FieldsV1", fieldsV1: {} }] }]);
    expect(await call(dp, badManaged, "application/json-patch+json")).toMatchObject({ code: 400, body: { message: "invalid managedFields: metadata.managedFields[0].operation: must be Apply or Update, not \"Sideways\"" } });
    const badFields = JSON.stringify([{ op: "replace", path: "/metadata/managedFields", value: [{ manager: "m", operation: "Update", fieldsType: "FieldsV1", fieldsV1: { "x:spec": {} } }] }]);
    expect((await call(dp, badFields, "application/json-patch+json")).body.message).toContain('unexpected key "x:spec"');
    const after = await live("ssa");
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.managedFields).toEqual(before.metadata.managedFields);
  });
});
