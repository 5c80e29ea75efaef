import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { ConfigMap, Deployment } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
const k = (...args: string[]) => kctl(["--server", srv.url, "--token", srv.token, ...args]);

function deployment(name: string, extra = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:${extra}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: web:v1
        ports:
        - containerPort: 80
`;
}

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  srv = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-cli-apply-"));
});
afterAll(async () => {
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("kctl apply", () => {
  it("creates, then is unchanged on re-apply, then configured on a change", async () => {
    const svc = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports:\n  - port: 80\n";
    const f = write("web.yaml", deployment("web", "\n  replicas: 2") + svc);
    const first = await k("apply", "-f", f);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe("deployment.apps/web created\nservice/web created\n");

    const again = await k("apply", "-f", f);
    expect(again.stdout).toBe("deployment.apps/web unchanged\nservice/web unchanged\n");
    const rv = (await srv.client.get<Deployment>("Deployment", "web", "default")).metadata.resourceVersion;
    await k("apply", "-f", f);
    expect((await srv.client.get<Deployment>("Deployment", "web", "default")).metadata.resourceVersion).toBe(rv);

    write("web.yaml", deployment("web", "\n  replicas: 3") + svc);
    const changed = await k("apply", "-f", f);
    expect(changed.stdout).toBe("deployment.apps/web configured\nservice/web unchanged\n");
    expect((await srv.client.get<Deployment>("Deployment", "web", "default")).spec.replicas).toBe(3);
  });

  it("keeps replicas set through the scale subresource when the file does not set them", async () => {
    const f = write("scaled.yaml", deployment("scaled"));
    expect((await k("apply", "-f", f)).stdout).toBe("deployment.apps/scaled created\n");
    await srv.client.updateScale("Deployment", "scaled", 5, "default");
    write("scaled.yaml", deployment("scaled").replace("web:v1", "web:v2"));
    expect((await k("apply", "-f", f)).stdout).toBe("deployment.apps/scaled configured\n");
    const d = await srv.client.get<Deployment>("Deployment", "scaled", "default");
    expect(d.spec.replicas).toBe(5);
    expect(d.spec.template.spec.containers[0].image).toBe("web:v2");
  });

  it("deletes labels removed from the file but keeps labels others added", async () => {
    const f = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n  labels: {a: '1', b: '2'}\ndata: {k: v}\n");
    await k("apply", "-f", f);
    await srv.client.patch("ConfigMap", "cm1", { metadata: { labels: { other: "x" } } }, { namespace: "default" });
    write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm1\n  labels: {a: '1'}\ndata: {k: v}\n");
    expect((await k("apply", "-f", f)).stdout).toBe("configmap/cm1 configured\n");
    const cm = await srv.client.get("ConfigMap", "cm1", "default");
    expect(cm.metadata.labels).toEqual({ a: "1", other: "x" });
  });

  it("reads a directory (sorted, yaml/yml/json only) and stdin", async () => {
    const d = path.join(dir, "many");
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, "b.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-b}\n");
    fs.writeFileSync(path.join(d, "a.json"), JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "dir-a" } }));
    fs.writeFileSync(path.join(d, "notes.txt"), "not a manifest");
    expect((await k("apply", "-f", d)).stdout).toBe("configmap/dir-a created\nconfigmap/dir-b created\n");
    const piped = await kctl(["--server", srv.url, "--token", srv.token, "apply", "-f", "-"], {
      input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n",
    });
    expect(piped.stdout).toBe("configmap/from-stdin created\n");
  });

  it("validates every document before writing any: a bad third document leaves the first two untouched", async () => {
    const ok = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: multi-1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: multi-2}\n---\n";
    const f1 = write("multi.yaml", `${ok}apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n`);
    const r1 = await k("apply", "-f", f1);
    expect(r1.code).toBe(1);
    expect(r1.stdout).toBe("");
    expect(r1.stderr).toBe(`error: ${f1}:10:7: no kind "Deploymnet" in apps/v1; did you mean Deployment?\n`);

    const f2 = write("multi2.yaml", ok + deployment("neg", "\n  replicas: -1"));
    const r2 = await k("apply", "-f", f2);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe("error: deployment.apps/neg: spec.replicas: must be greater than or equal to 0\n");
    const cms = await srv.client.list("ConfigMap", { namespace: "default" });
    expect(cms.items.map((c) => c.metadata.name)).not.toContain("multi-1");
    expect(cms.items.map((c) => c.metadata.name)).not.toContain("multi-2");
  });

  it("a third document only the server can refuse (a NodePort already taken) leaves the first two untouched", async () => {
    const svc = (name: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports: [{port: 80, nodePort: 30444}]\n`;
    expect((await k("apply", "-f", write("taker.yaml", svc("taker")))).code).toBe(0);
    const ok = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: srv-1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: srv-2}\n---\n";
    const r = await k("apply", "-f", write("taken.yaml", ok + svc("late")));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: service\/late: spec\.ports\[0\]\.nodePort: .*already allocated.*\n$/);
    const names = (await srv.client.list("ConfigMap", { namespace: "default" })).items.map((c) => c.metadata.name);
    expect(names).not.toContain("srv-1");
    expect(names).not.toContain("srv-2");
  });

  it("--dry-run=server validates on the server and writes nothing", async () => {
    const f = write("dry.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry-cm}\n");
    const r = await k("apply", "-f", f, "--dry-run=server");
    expect(r.stdout).toBe("configmap/dry-cm created (server dry run)\n");
    await expect(srv.client.get("ConfigMap", "dry-cm", "default")).rejects.toThrow(/not found/);
  });

  it("reports YAML syntax errors with file, line and column", async () => {
    const f = write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: 1\n");
    const r = await k("apply", "-f", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:5:1: .+\\n$`));
  });

  it("reports missing kind/apiVersion and a mismatched apiVersion", async () => {
    const f = write("nokind.yaml", "apiVersion: v1\nmetadata: {name: x}\n");
    expect((await k("apply", "-f", f)).stderr).toMatch(/kind not set/);
    const g = write("wrongav.yaml", "apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\n");
    expect((await k("apply", "-f", g)).stderr).toMatch(/no kind "Deployment" in v1; Deployment is served by apiVersion apps\/v1/);
  });

  it("passes the server's 422 through with the object named", async () => {
    const f = write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p1}\nspec:\n  restartPolicy: Sometimes\n  containers: [{name: c, image: x}]\n");
    const r = await k("apply", "-f", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: pod\/p1: spec\.restartPolicy: .+\n$/);
    expect(r.stderr).not.toMatch(/is invalid/);
  });

  it("create fails with AlreadyExists when the object is present", async () => {
    const f = write("c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: created-once}\n");
    expect((await k("create", "-f", f)).stdout).toBe("configmap/created-once created\n");
    const r = await k("create", "-f", f);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: configmap/created-once: configmaps "created-once" already exists\n');
  });

  it("-o yaml|json prints the resulting objects (one as itself, several as a List); a bad -o changes nothing", async () => {
    const one = write("o1.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: printed-one}\ndata: {k: v}\n");
    const created = await k("create", "-f", one, "-o", "yaml");
    expect(created.code, created.stderr).toBe(0);
    const cm = parseYaml(created.stdout) as ConfigMap;
    expect(cm).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "printed-one" }, data: { k: "v" } });
    expect(cm.metadata.uid).toBeTruthy(); // the server's object, not the file
    expect(cm.metadata).not.toHaveProperty("managedFields");

    const two = write("o2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: printed-one}\ndata: {k: w}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: printed-two}\n");
    const applied = await k("apply", "-f", two, "-o", "json");
    expect(applied.code, applied.stderr).toBe(0);
    const list = JSON.parse(applied.stdout) as { kind: string; items: ConfigMap[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((i) => [i.metadata.name, i.data?.k])).toEqual([["printed-one", "w"], ["printed-two", undefined]]);

    const dry = await k("apply", "-f", one, "--dry-run=server", "-o", "yaml");
    expect((parseYaml(dry.stdout) as ConfigMap).data).toEqual({ k: "v" });
    expect((await srv.client.get<ConfigMap>("ConfigMap", "printed-one", "default")).data).toEqual({ k: "w" });

    const bad = await k("create", "-f", write("o3.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: printed-three}\n"), "-o", "wide");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unable to match a printer suitable for the output format "wide"/);
    await expect(srv.client.get("ConfigMap", "printed-three", "default")).rejects.toThrow(/not found/);
  });
});
