/** CRUD, defaults, selectors, patches, subresources and deletion semantics against a real server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../lib/errors.js";
import type { Deployment, KObject, Pod, Secret, Service, Toleration } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const pod = (name: string, labels: Record<string, string> = {}, extra: Partial<Pod["spec"]> = {}): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "nginx:1.25" }], ...extra },
});

const deployment = (name: string, replicas = 2): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
  },
});

async function expectApiError(p: Promise<unknown>, code: number, message?: string | RegExp): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
    return err;
  }
  throw new Error("expected an error");
}

describe("CRUD for every kind", () => {
  const samples: KObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "crud-ns" } },
    { apiVersion: "v1", kind: "Node", metadata: { name: "node-1", labels: { zone: "a" } }, status: { capacity: { cpu: "2" } } },
    pod("crud-pod"),
    { apiVersion: "v1", kind: "Service", metadata: { name: "crud-svc" }, spec: { selector: { app: "x" }, ports: [{ port: 80 }] } },
    { apiVersion: "v1", kind: "Endpoints", metadata: { name: "crud-svc" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }] },
    { apiVersion: "v1", kind: "Event", metadata: { name: "crud-ev.1" }, involvedObject: { kind: "Pod", name: "crud-pod" }, reason: "Test" },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "crud-cm" }, data: { a: "1" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "crud-secret" }, stringData: { password: "hunter2" } },
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "crud-rs" }, spec: deployment("crud-rs").spec },
    deployment("crud-deploy"),
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "crud-lease" }, spec: { holderIdentity: "me" } },
  ];
  for (const obj of samples) {
    it(`${obj.kind}: create, get, list, update, delete`, async () => {
      const c = s.client;
      const created = await c.create(structuredClone(obj));
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata.creationTimestamp).toMatch(/Z$/);
      expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
      expect(created.metadata.generation).toBe(1);
      const ns = created.metadata.namespace;
      const got = await c.get(obj.kind, obj.metadata.name!, ns);
      expect(got).toEqual(created);
      const list = await c.list(obj.kind, { namespace: ns });
      expect(list.kind).toBe(`${obj.kind}List`);
      expect(list.items.map((i) => i.metadata.name)).toContain(obj.metadata.name);
      expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(created.metadata.resourceVersion));
      const changed = { ...got, metadata: { ...got.metadata, labels: { ...got.metadata.labels, touched: "yes" } } };
      const updated = await c.update(changed);
      expect(updated.metadata.labels?.touched).toBe("yes");
      expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(got.metadata.resourceVersion));
      await c.delete(obj.kind, obj.metadata.name!, { namespace: ns });
      await expectApiError(c.get(obj.kind, obj.metadata.name!, ns), 404, /not found/);
    });
  }

  it("applies Kubernetes defaults", async () => {
    const p = await s.client.create(pod("defaults", {}, {
      containers: [
        { name: "a", image: "nginx", ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 80 } } },
        { name: "b", image: "redis:7" },
      ],
    }));
    expect(p.spec.restartPolicy).toBe("Always");
    expect(p.spec.terminationGracePeriodSeconds).toBe(30);
    expect(p.spec.dnsPolicy).toBe("ClusterFirst");
    expect(p.spec.containers[0]!.imagePullPolicy).toBe("Always");
    expect(p.spec.containers[1]!.imagePullPolicy).toBe("IfNotPresent");
    expect(p.spec.containers[0]!.ports![0]!.protocol).toBe("TCP");
    expect(p.spec.containers[0]!.livenessProbe).toMatchObject({ periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(p.status?.phase).toBe("Pending");
    const d = await s.client.create(deployment("defaults-d"));
    expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    const svc = await s.client.create<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "defaults-svc" }, spec: { ports: [{ port: 8080 }] } });
    expect(svc.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None", ports: [{ port: 8080, targetPort: 8080, protocol: "TCP" }] });
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    const sec = await s.client.get<Secret>("Secret", "x", "default").catch(() => undefined);
    expect(sec).toBeUndefined();
  });

  it("merges Secret stringData into base64 data", async () => {
    const sec = await s.client.create<Secret>({ apiVersion: "v1", kind: "Secret", metadata: { name: "sd" }, data: { a: Buffer.from("x").toString("base64") }, stringData: { b: "hello" } });
    expect(sec.data).toEqual({ a: "eA==", b: Buffer.from("hello").toString("base64") });
    expect(sec.stringData).toBeUndefined();
    expect(sec.type).toBe("Opaque");
  });

  it("stores old apiVersions of Deployments as apps/v1", async () => {
    const d = await s.client.request<Deployment>("POST", "/apis/apps/v1/namespaces/default/deployments", { body: { ...deployment("old-api"), apiVersion: "extensions/v1beta1" } });
    expect(d.apiVersion).toBe("apps/v1");
    const viaAlias = await s.client.request<Deployment>("GET", "/apis/extensions/v1beta1/namespaces/default/deployments/old-api");
    expect(viaAlias.metadata.uid).toBe(d.metadata.uid);
  });

  it("generateName makes a unique name", async () => {
    const a = await s.client.create<Pod>({ ...pod(""), metadata: { generateName: "gen-" } });
    const b = await s.client.create<Pod>({ ...pod(""), metadata: { generateName: "gen-" } });
    expect(a.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata.name).not.toBe(b.metadata.name);
  });

  it("bumps generation only on spec changes", async () => {
    const d = await s.client.create(deployment("gen-bump"));
    const l = await s.client.update({ ...d, metadata: { ...d.metadata, labels: { x: "y" } } });
    expect(l.metadata.generation).toBe(1);
    const r = await s.client.update({ ...l, spec: { ...l.spec, replicas: 5 } });
    expect(r.metadata.generation).toBe(2);
    // an update that changes nothing does not write
    const same = await s.client.update(r);
    expect(same.metadata.resourceVersion).toBe(r.metadata.resourceVersion);
  });

  it("cluster-wide lists span namespaces", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
    await s.client.create(pod("in-other"), "other");
    const all = await s.client.list("Pod");
    const keys = all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(keys).toContain("other/in-other");
    expect(keys).toContain("default/defaults");
  });
});

describe("pod updates (only images, activeDeadlineSeconds and added tolerations may change)", () => {
  const tol: Toleration = { key: "k", operator: "Exists", effect: "NoSchedule" };
  it("allows a new image, an activeDeadlineSeconds and an added toleration", async () => {
    await s.client.create(pod("upd", {}, { tolerations: [tol] }), "default");
    const p = await s.client.patch<Pod>("Pod", "upd", { spec: { containers: [{ name: "c", image: "nginx:1.26" }], activeDeadlineSeconds: 60, tolerations: [tol, { key: "x", operator: "Exists" }] } }, { namespace: "default", type: "strategic" });
    expect(p.spec.containers[0]!.image).toBe("nginx:1.26");
    expect(p.spec.activeDeadlineSeconds).toBe(60);
    expect(p.spec.tolerations).toHaveLength(2);
  });
  it("refuses any other spec change with a 422 naming the changed field, and stores nothing", async () => {
    const before = await s.client.get<Pod>("Pod", "upd", "default");
    await expectApiError(s.client.patch("Pod", "upd", { spec: { restartPolicy: "Never" } }, { namespace: "default" }), 422, /spec: Forbidden: pod updates may not change fields other than .*\(spec\.restartPolicy changed\)/);
    await expectApiError(s.client.patch("Pod", "upd", { spec: { tolerations: [] } }, { namespace: "default" }), 422, /\(spec\.tolerations changed\)/);
    await expectApiError(s.client.patch("Pod", "upd", { spec: { containers: [{ name: "c", image: "nginx:1.26" }, { name: "d", image: "nginx:1.26" }] } }, { namespace: "default" }), 422, /\(spec\.containers changed\)/);
    expect((await s.client.get<Pod>("Pod", "upd", "default")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
  it("status and metadata stay writable", async () => {
    const p = await s.client.patch<Pod>("Pod", "upd", { metadata: { labels: { a: "b" } } }, { namespace: "default" });
    expect(p.metadata.labels).toEqual({ a: "b" });
    await s.client.delete("Pod", "upd", { namespace: "default" });
  });
});

describe("selectors", () => {
  beforeAll(async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "sel" } });
    await s.client.create(pod("s1", { app: "web", tier: "front" }), "sel");
    await s.client.create(pod("s2", { app: "web", tier: "back" }, { nodeName: "n1" }), "sel");
    await s.client.create(pod("s3", { app: "db" }), "sel");
  });
  const names = async (opts: { labelSelector?: string; fieldSelector?: string }) =>
    (await s.client.list("Pod", { namespace: "sel", ...opts })).items.map((p) => p.metadata.name).sort();

  it("label equality, inequality and set-based", async () => {
    expect(await names({ labelSelector: "app=web" })).toEqual(["s1", "s2"]);
    expect(await names({ labelSelector: "app=web,tier!=back" })).toEqual(["s1"]);
    expect(await names({ labelSelector: "tier in (front,back)" })).toEqual(["s1", "s2"]);
    expect(await names({ labelSelector: "!tier" })).toEqual(["s3"]);
    expect(await names({ labelSelector: "app notin (web)" })).toEqual(["s3"]);
  });
  it("field selectors", async () => {
    expect(await names({ fieldSelector: "metadata.name=s2" })).toEqual(["s2"]);
    expect(await names({ fieldSelector: "spec.nodeName=n1" })).toEqual(["s2"]);
    expect(await names({ fieldSelector: "spec.nodeName=" })).toEqual(["s1", "s3"]);
    expect(await names({ fieldSelector: "status.phase=Pending,metadata.name!=s1" })).toEqual(["s2", "s3"]);
    const all = await s.client.list("Pod", { fieldSelector: "metadata.namespace=sel" });
    expect(all.items).toHaveLength(3);
    // A path outside the kept selectable fields still works (the server parses the objects for it).
    const s2 = await s.client.get<Pod>("Pod", "s2", "sel");
    expect(await names({ fieldSelector: `metadata.uid=${s2.metadata.uid}` })).toEqual(["s2"]);
    expect(await names({ fieldSelector: "spec.containers=" })).toEqual(["s1", "s2", "s3"]);
    expect(await names({ fieldSelector: "spec.restartPolicy=Always,spec.nodeName!=n1" })).toEqual(["s1", "s3"]);
  });
  it("limit and continue page through a list", async () => {
    const p1 = await s.client.list("Pod", { namespace: "sel", limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.metadata.continue).toBeTruthy();
    const p2 = await s.client.list("Pod", { namespace: "sel", limit: 2, continue: p1.metadata.continue });
    expect(p2.items.map((p) => p.metadata.name)).toEqual(["s3"]);
    expect(p2.metadata.continue).toBeUndefined();
  });
  it("rejects a malformed selector with 400", async () => {
    await expectApiError(s.client.list("Pod", { namespace: "sel", labelSelector: "app in (" }), 400);
  });
});

describe("optimistic concurrency", () => {
  it("two racing updates with the same resourceVersion: exactly one wins", async () => {
    const cm = await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "race" }, data: { v: "0" } });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => s.client.update({ ...cm, data: { v: String(i + 1) } })),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    for (const f of failed) {
      expect((f.reason as ApiError).code).toBe(409);
      expect((f.reason as ApiError).reason).toBe("Conflict");
    }
  });
  it("a stale resourceVersion changes nothing", async () => {
    const cm = await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "stale" }, data: { v: "0" } });
    await s.client.update({ ...cm, data: { v: "1" } });
    await expectApiError(s.client.update({ ...cm, data: { v: "2" } }), 409, /the object has been modified/);
    expect((await s.client.get<KObject & { data: Record<string, string> }>("ConfigMap", "stale", "default")).data.v).toBe("1");
  });
});

describe("patch", () => {
  it("merge patch (RFC 7396)", async () => {
    await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mp", labels: { a: "1", b: "2" } }, data: { x: "1" } });
    const p = await s.client.patch<KObject & { data: Record<string, string> }>("ConfigMap", "mp", { metadata: { labels: { a: null, c: "3" } }, data: { y: "2" } }, { namespace: "default" });
    expect(p.metadata.labels).toEqual({ b: "2", c: "3" });
    expect(p.data).toEqual({ x: "1", y: "2" });
  });
  it("json patch (RFC 6902) incl. test", async () => {
    await s.client.create(deployment("jp", 1));
    const p = await s.client.patch<Deployment>("Deployment", "jp", [
      { op: "test", path: "/spec/replicas", value: 1 },
      { op: "replace", path: "/spec/replicas", value: 4 },
      { op: "add", path: "/metadata/labels", value: { "x/y": "z" } },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "side", image: "busybox" } },
    ], { namespace: "default", type: "json" });
    expect(p.spec.replicas).toBe(4);
    expect(p.metadata.labels).toEqual({ "x/y": "z" });
    expect(p.spec.template.spec.containers.map((c) => c.name)).toEqual(["c", "side"]);
    expect(p.metadata.generation).toBe(2);
    await expectApiError(s.client.patch("Deployment", "jp", [{ op: "test", path: "/spec/replicas", value: 1 }], { namespace: "default", type: "json" }), 422);
  });
  it("strategic merge patch merges containers by name", async () => {
    await s.client.create(pod("smp", {}, { containers: [{ name: "a", image: "nginx:1", ports: [{ containerPort: 80 }] }, { name: "b", image: "redis:1" }] }));
    const p = await s.client.patch<Pod>("Pod", "smp", { spec: { containers: [{ name: "b", image: "redis:2" }] } }, { namespace: "default", type: "strategic" });
    expect(p.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(["a=nginx:1", "b=redis:2"]);
    expect(p.spec.containers[0]!.ports).toHaveLength(1);
  });
  it("a patch that makes the object invalid is rejected", async () => {
    await expectApiError(s.client.patch("Deployment", "jp", { spec: { replicas: -1 } }, { namespace: "default" }), 422, /spec\.replicas: must be greater than or equal to 0/);
  });
});

describe("status subresource", () => {
  it("status changes are ignored on the main resource; spec changes on /status", async () => {
    const d = await s.client.create(deployment("st", 1));
    const withStatus = await s.client.updateStatus({ ...d, spec: { ...d.spec, replicas: 9 }, status: { replicas: 1, observedGeneration: 1 } });
    expect(withStatus.status).toEqual({ replicas: 1, observedGeneration: 1 });
    expect(withStatus.spec.replicas).toBe(1);
    expect(withStatus.metadata.generation).toBe(1);
    const main = await s.client.update({ ...withStatus, spec: { ...withStatus.spec, replicas: 3 }, status: { replicas: 42 } });
    expect(main.spec.replicas).toBe(3);
    expect(main.status).toEqual({ replicas: 1, observedGeneration: 1 });
    const patched = await s.client.patch<Deployment>("Deployment", "st", { status: { readyReplicas: 1 } }, { namespace: "default", subresource: "status" });
    expect(patched.status?.readyReplicas).toBe(1);
  });
  it("status set on create is reset (pods start Pending)", async () => {
    const p = await s.client.create({ ...pod("st-pod"), status: { phase: "Running" } });
    expect(p.status).toEqual({ phase: "Pending" });
  });
});

describe("scale subresource", () => {
  it("GET/PUT/PATCH scale of Deployments and ReplicaSets", async () => {
    await s.client.create(deployment("sc", 2));
    const sc = await s.client.getScale("Deployment", "sc", "default");
    expect(sc).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 2 }, status: { replicas: 0, selector: "app=sc" } });
    const up = await s.client.updateScale("Deployment", "sc", 5, "default");
    expect(up.spec.replicas).toBe(5);
    expect((await s.client.get<Deployment>("Deployment", "sc", "default")).spec.replicas).toBe(5);
    const patched = await s.client.patch<KObject & { spec: { replicas: number } }>("Deployment", "sc", { spec: { replicas: 1 } }, { namespace: "default", subresource: "scale" });
    expect(patched.spec.replicas).toBe(1);
    await expectApiError(s.client.updateScale("Deployment", "sc", -1, "default"), 422, /spec\.replicas: must be greater than or equal to 0/);
    await s.client.create({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "sc-rs" }, spec: deployment("sc-rs").spec });
    expect((await s.client.updateScale("ReplicaSet", "sc-rs", 0, "default")).spec.replicas).toBe(0);
  });
});

describe("binding", () => {
  it("sets spec.nodeName once; a second bind is 409", async () => {
    const p = await s.client.create(pod("bind-me"));
    const st = await s.client.bind("default", "bind-me", "node-a", p.metadata.uid);
    expect(st.status).toBe("Success");
    const bound = await s.client.get<Pod>("Pod", "bind-me", "default");
    expect(bound.spec.nodeName).toBe("node-a");
    expect(bound.status?.conditions?.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    await expectApiError(s.client.bind("default", "bind-me", "node-b"), 409, /already assigned to node "node-a"/);
  });
});

describe("deletion", () => {
  it("finalizers keep an object (deletionTimestamp set) until the last one is removed", async () => {
    await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fin", finalizers: ["example.com/a", "example.com/b"] } });
    const res = (await s.client.delete("ConfigMap", "fin", { namespace: "default" })) as KObject;
    expect(res.kind).toBe("ConfigMap");
    expect(res.metadata.deletionTimestamp).toBeTruthy();
    const cur = await s.client.get("ConfigMap", "fin", "default");
    await expectApiError(s.client.update({ ...cur, metadata: { ...cur.metadata, finalizers: ["example.com/a", "example.com/b", "example.com/c"] } }), 422, /no new finalizers/);
    const one = await s.client.update({ ...cur, metadata: { ...cur.metadata, finalizers: ["example.com/b"] } });
    expect(one.metadata.deletionTimestamp).toBe(cur.metadata.deletionTimestamp);
    await s.client.patch("ConfigMap", "fin", { metadata: { finalizers: null } }, { namespace: "default" });
    await expectApiError(s.client.get("ConfigMap", "fin", "default"), 404);
  });
  it("bound pods are deleted gracefully; gracePeriodSeconds=0 removes them", async () => {
    await s.client.create(pod("graceful", {}, { nodeName: "n1" }));
    const res = (await s.client.delete("Pod", "graceful", { namespace: "default" })) as Pod;
    expect(res.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await s.client.get<Pod>("Pod", "graceful", "default")).metadata.deletionTimestamp).toBeTruthy();
    await s.client.delete("Pod", "graceful", { namespace: "default", gracePeriodSeconds: 0 });
    await expectApiError(s.client.get("Pod", "graceful", "default"), 404);
  });
  it("preconditions are honoured", async () => {
    await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "pre" } });
    await expectApiError(s.client.delete("ConfigMap", "pre", { namespace: "default", preconditions: { uid: "nope" } }), 409, /Precondition failed/);
  });
  it("Orphan propagation adds the orphan finalizer for the garbage collector", async () => {
    await s.client.create(deployment("orph"));
    const res = (await s.client.delete("Deployment", "orph", { namespace: "default", propagationPolicy: "Orphan" })) as KObject;
    expect(res.metadata.finalizers).toContain("orphan");
  });
  it("deletecollection with a label selector", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "dc" } });
    for (const n of ["a", "b", "c"]) await s.client.create(pod(n, { grp: n === "c" ? "keep" : "drop" }), "dc");
    await s.client.request("DELETE", "/api/v1/namespaces/dc/pods", { query: { labelSelector: "grp=drop" } });
    expect((await s.client.list("Pod", { namespace: "dc" })).items.map((p) => p.metadata.name)).toEqual(["c"]);
  });
  it("deleting a namespace deletes everything in it", async () => {
    await s.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
    await s.client.create(pod("p", {}, { nodeName: "n1" }), "doomed");
    await s.client.create(deployment("d"), "doomed");
    await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "held", finalizers: ["example.com/x"] } }, "doomed");
    await s.client.delete("Namespace", "doomed");
    const ns = await s.client.get<KObject & { status: { phase: string } }>("Namespace", "doomed");
    expect(ns.status.phase).toBe("Terminating");
    expect((await s.client.list("Pod", { namespace: "doomed" })).items).toHaveLength(0);
    expect((await s.client.list("Deployment", { namespace: "doomed" })).items).toHaveLength(0);
    await expectApiError(s.client.create(pod("late"), "doomed"), 403, /being terminated/);
    await s.client.patch("ConfigMap", "held", { metadata: { finalizers: null } }, { namespace: "doomed" });
    await expectApiError(s.client.get("Namespace", "doomed"), 404);
  });
  it("system namespaces cannot be deleted", async () => {
    await expectApiError(s.client.delete("Namespace", "default"), 403);
  });
});

describe("services", () => {
  it("allocates distinct ClusterIPs and NodePorts, honours given ones, rejects duplicates", async () => {
    const a = await s.client.create<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "np-a" }, spec: { type: "NodePort", ports: [{ port: 80 }] } });
    const b = await s.client.create<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "np-b" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 31000 }], clusterIP: "10.96.5.5" } });
    expect(a.spec.clusterIP).not.toBe(b.spec.clusterIP);
    expect(b.spec.clusterIP).toBe("10.96.5.5");
    expect(a.spec.ports![0]!.nodePort).toBeGreaterThanOrEqual(30000);
    expect(b.spec.ports![0]!.nodePort).toBe(31000);
    await expectApiError(s.client.create({ apiVersion: "v1", kind: "Service", metadata: { name: "np-c" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 31000 }] } }), 422, /spec\.ports\[0\]\.nodePort: provided port is already allocated/);
    await expectApiError(s.client.create({ apiVersion: "v1", kind: "Service", metadata: { name: "np-d" }, spec: { clusterIP: "10.96.5.5", ports: [{ port: 80 }] } }), 422, /spec\.clusterIP: provided IP is already allocated/);
    await expectApiError(s.client.create({ apiVersion: "v1", kind: "Service", metadata: { name: "np-e" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] } }), 422, /nodePort: must be between 30000 and 32767/);
    const headless = await s.client.create<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "hl" }, spec: { clusterIP: "None", selector: { app: "x" } } });
    expect(headless.spec.clusterIP).toBe("None");
    // delete releases the port
    await s.client.delete("Service", "np-b", { namespace: "default" });
    const reuse = await s.client.create<Service>({ apiVersion: "v1", kind: "Service", metadata: { name: "np-f" }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: 31000 }], clusterIP: "10.96.5.5" } });
    expect(reuse.spec.ports![0]!.nodePort).toBe(31000);
    // update keeps the ClusterIP and node port when not given
    const upd = await s.client.update<Service>({ ...reuse, spec: { ...reuse.spec, clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80 }] } });
    expect(upd.spec.clusterIP).toBe("10.96.5.5");
    expect(upd.spec.ports![0]!.nodePort).toBe(31000);
  });
});
