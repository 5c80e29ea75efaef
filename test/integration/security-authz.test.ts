/**
 * Who may do what: node credentials (the node rules) and user tokens (view/edit/admin). Every
 * refusal is a 403 Status whose message names the rule. Also: tokens are stored hashed only.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import type { KObject, Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let n1: ApiClient;

const pod = (name: string, node: string, spec: Record<string, unknown> = {}): Pod =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName: node, containers: [{ name: "c", image: "busybox" }], ...spec } }) as Pod;
const secret = (name: string): KObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "default" }, data: { v: Buffer.from(`value-of-${name}`).toString("base64") } }) as KObject;

/** The error a call fails with (code, reason, message), or "ok". */
async function outcome(p: Promise<unknown>): Promise<{ code: number; reason?: string; message: string } | "ok"> {
  try {
    await p;
    return "ok";
  } catch (e) {
    const err = e as { code?: number; reason?: string; message?: string };
    return { code: err.code ?? 0, reason: err.reason, message: err.message ?? String(e) };
  }
}

async function expectForbidden(p: Promise<unknown>, rule: RegExp): Promise<void> {
  const o = await outcome(p);
  expect(o).not.toBe("ok");
  if (o === "ok") return;
  expect(o.code).toBe(403);
  expect(o.reason).toBe("Forbidden");
  expect(o.message).toMatch(rule);
}

beforeAll(async () => {
  srv = await startTestServer({ tls: true });
  const c1 = await srv.nodeCredential("n1");
  await srv.nodeCredential("n2");
  n1 = new ApiClient({ server: srv.url, token: c1.token, ca: srv.caPem });
  const admin = srv.client;
  for (const s of ["used-by-n1", "env-of-n1", "used-by-n2", "unused"]) await admin.create(secret(s));
  await admin.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-n1", namespace: "default" }, data: { a: "b" } } as KObject);
  await admin.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-other", namespace: "default" }, data: { a: "b" } } as KObject);
  await admin.create(
    pod("on-n1", "n1", {
      volumes: [{ name: "s", secret: { secretName: "used-by-n1" } }, { name: "c", configMap: { name: "cm-n1" } }],
      containers: [{ name: "c", image: "busybox", env: [{ name: "E", valueFrom: { secretKeyRef: { name: "env-of-n1", key: "v" } } }] }],
    }),
  );
  await admin.create(pod("on-n2", "n2", { volumes: [{ name: "s", secret: { secretName: "used-by-n2" } }] }));
});
afterAll(async () => {
  n1.close();
  await srv.close();
});

describe("a node credential (system:node:n1)", () => {
  it("registers and updates its own Node and Lease", async () => {
    await n1.create({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    const node = await n1.get<KObject>("Node", "n1");
    await n1.updateStatus({ ...node, status: { conditions: [{ type: "Ready", status: "True" }] } } as KObject);
    await n1.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1", namespace: "kube-node-lease" }, spec: { holderIdentity: "n1" } } as KObject, "kube-node-lease");
    await n1.patch("Lease", "n1", { spec: { renewTime: new Date().toISOString() } }, { namespace: "kube-node-lease" });
    expect((await n1.list("Node")).items.length).toBeGreaterThan(0);
  });

  it("cannot create, change or heart-beat another node", async () => {
    await srv.client.create({ apiVersion: "v1", kind: "Node", metadata: { name: "n2" } });
    await expectForbidden(n1.create({ apiVersion: "v1", kind: "Node", metadata: { name: "n3" } }), /node "n1" may only create its own Node \("n1", not "n3"\)/);
    await expectForbidden(n1.patch("Node", "n2", { spec: { unschedulable: true } }), /node "n1" may only modify its own Node object \(not "n2"\)/);
    await expectForbidden(n1.delete("Node", "n1"), /node "n1" may only modify its own Node object/);
    await expectForbidden(
      n1.create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n2", namespace: "kube-node-lease" } } as KObject, "kube-node-lease"),
      /node "n1" may only create its own Lease/,
    );
  });

  it("reads and updates pods bound to it, but cannot read or change another node's pods", async () => {
    const mine = await n1.get<Pod>("Pod", "on-n1", "default");
    await n1.updateStatus({ ...mine, status: { phase: "Running" } } as Pod);
    await n1.patch("Pod", "on-n1", { metadata: { annotations: { "kctl.io/ports": "{}" } } }, { namespace: "default" });
    await expectForbidden(n1.get("Pod", "on-n2", "default"), /node "n1" may only get pods bound to it \(pod "default\/on-n2" is bound to "n2"\)/);
    const theirs = await srv.client.get<Pod>("Pod", "on-n2", "default");
    await expectForbidden(n1.updateStatus({ ...theirs, status: { phase: "Failed" } } as Pod), /may only update pods bound to it/);
    await expectForbidden(n1.patch("Pod", "on-n2", { metadata: { labels: { x: "y" } } }, { namespace: "default" }), /may only patch pods bound to it/);
    await expectForbidden(n1.delete("Pod", "on-n2", { namespace: "default" }), /may only delete pods bound to it/);
    await expectForbidden(n1.create(pod("sneaky", "n1")), /node "n1" may not create pods/);
    await expectForbidden(n1.bind("default", "on-n2", "n1"), /node "n1" may not create pods\/binding/);
    // list/watch of all pods stays allowed: the service proxy needs every pod's kctl.io/ports
    expect((await n1.list<Pod>("Pod")).items.map((p) => p.metadata.name)).toEqual(expect.arrayContaining(["on-n1", "on-n2"]));
  });

  it("cannot create Deployments or touch anything outside its rules", async () => {
    const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
    await expectForbidden(n1.create(dep as KObject), /node "n1" may not create deployments/);
    await expectForbidden(n1.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }), /node "n1" may only read namespaces/);
    await expectForbidden(n1.create({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as KObject), /node "n1" may only read services/);
    await expectForbidden(n1.request("GET", "/apis/kctl.io/v1/usertokens"), /cannot list resource "usertokens"|is forbidden/);
  });

  it("reads only the Secrets and ConfigMaps its pods use", async () => {
    expect((await n1.get<KObject & { data: Record<string, string> }>("Secret", "used-by-n1", "default")).data.v).toBeTruthy();
    await n1.get("Secret", "env-of-n1", "default");
    await n1.get("ConfigMap", "cm-n1", "default");
    await expectForbidden(n1.get("Secret", "used-by-n2", "default"), /node "n1" may only get secrets referenced by pods bound to it \("default\/used-by-n2" is not\)/);
    await expectForbidden(n1.get("Secret", "unused", "default"), /may only get secrets referenced by pods bound to it/);
    await expectForbidden(n1.get("ConfigMap", "cm-other", "default"), /may only get configmaps referenced by pods bound to it/);
    await expectForbidden(n1.list("Secret", { namespace: "default" }), /may only get secrets referenced by pods bound to it, or watch one of them by name \(not list them\)/);
    await expectForbidden(n1.request("GET", "/api/v1/secrets?watch=1"), /not watch them/);
    // One object by name (fieldSelector metadata.name), as the kubelet's watch-based manager asks:
    // allowed for what its pods use, judged like a get for the rest.
    const one = await n1.list<KObject>("Secret", { namespace: "default", fieldSelector: "metadata.name=used-by-n1" });
    expect(one.items.map((s) => s.metadata.name)).toEqual(["used-by-n1"]);
    await expectForbidden(n1.list("Secret", { namespace: "default", fieldSelector: "metadata.name=used-by-n2" }), /\("default\/used-by-n2" is not\)/);
    await expectForbidden(n1.request("GET", "/api/v1/namespaces/default/secrets?watch=1&fieldSelector=metadata.name%3Dunused"), /\("default\/unused" is not\)/);
    await expectForbidden(n1.request("GET", "/api/v1/secrets?fieldSelector=metadata.name%3Dused-by-n1"), /not list them/);
  });
});

describe("user tokens", () => {
  it("view reads everything but Secrets and writes nothing", async () => {
    const r = await kctl(["token", "create", "--role", "view", "--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath]);
    expect(r.code).toBe(0);
    const view = new ApiClient({ server: srv.url, token: r.stdout.trim(), ca: srv.caPem });
    expect((await view.list("Pod")).items.length).toBeGreaterThan(0);
    await view.get("Node", "n1");
    await expectForbidden(view.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "v", namespace: "default" } } as KObject), /User "view" cannot create resource "configmaps" in the namespace "default" \(role view\)/);
    await expectForbidden(view.delete("Pod", "on-n1", { namespace: "default" }), /cannot delete resource "pods"/);
    await expectForbidden(view.get("Secret", "unused", "default"), /cannot get resource "secrets"/);
    await expectForbidden(view.request("POST", "/apis/kctl.io/v1/jointokens", { body: {} }), /cannot create resource "jointokens"/);
    view.close();
  });

  it("edit limited to a namespace writes workloads there and nowhere else; --kubeconfig-out works", async () => {
    await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    const file = path.join(srv.dataDir, "..", `edit-${path.basename(srv.dataDir)}.kubeconfig`);
    const r = await kctl(["token", "create", "--role", "edit", "-n", "team-a", "--ttl", "24h", "--kubeconfig-out", file, "--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath]);
    expect(r.code).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    try {
      const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n";
      const created = await kctl(["apply", "-f", "-", "--kubeconfig", file], { input: cm });
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      expect((await srv.client.get("ConfigMap", "cfg", "team-a")).metadata.namespace).toBe("team-a");
      const other = await kctl(["apply", "-f", "-", "-n", "default", "--kubeconfig", file], { input: cm });
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(/forbidden: User "edit@team-a" cannot (get|create) resource "configmaps" in the namespace "default"/);
      const nodes = await kctl(["get", "nodes", "--kubeconfig", file]);
      expect(nodes.stderr).toMatch(/cannot list resource "nodes"/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("tokens are stored hashed: the data dir holds the admin token only in admin.kubeconfig, user tokens nowhere", async () => {
    const r = await kctl(["token", "create", "--role", "admin", "--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath]);
    const userToken = r.stdout.trim();
    const n1Token = (await srv.nodeCredential("hash-check")).token;
    const hits = (needle: string): string[] => filesContaining(srv.dataDir, needle).map((f) => path.relative(srv.dataDir, f));
    expect(hits(srv.token)).toEqual(["admin.kubeconfig"]);
    expect(hits(userToken)).toEqual([]);
    expect(hits(n1Token)).toEqual([]);
  });
});

function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesContaining(p, needle));
    else if (fs.readFileSync(p).includes(needle)) out.push(p);
  }
  return out.sort();
}
