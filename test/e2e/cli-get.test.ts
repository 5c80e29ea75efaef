import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KObject, Pod } from "../../lib/types.js";
import { rfc3339 } from "../../lib/timestamps.js";
import { kctl, startKctl } from "../helpers/cli.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
const k = (...args: string[]) => kctl(["--server", srv.url, "--token", srv.token, ...args]);

function pod(name: string, ns: string, labels: Record<string, string>, nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] },
  };
}

beforeAll(async () => {
  srv = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-cli-get-"));
  await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } } as KObject);
  await srv.client.create(pod("alpha", "default", { app: "web" }, "node-1"));
  await srv.client.create(pod("beta", "default", { app: "db" }));
  await srv.client.create(pod("gamma", "other", { app: "web" }));
});
afterAll(async () => {
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("kctl get", () => {
  it("prints kubectl's pod table", async () => {
    const r = await k("get", "pods");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines[1]).toMatch(/^alpha\s+0\/1\s+Pending\s+0\s+\d+s$/);
    expect(lines).toHaveLength(3);
  });
  it("accepts short names, -n, -A (NAMESPACE column), -l and --field-selector", async () => {
    expect((await k("get", "po", "-n", "other")).stdout).toMatch(/^NAME .*\ngamma /);
    const all = await k("get", "pods", "-A");
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY/);
    expect(all.stdout).toMatch(/\nother\s+gamma\s+/);
    expect((await k("get", "pods", "-l", "app=web", "-o", "name")).stdout).toBe("pod/alpha\n");
    expect((await k("get", "pods", "-A", "-l", "app=web", "-o", "name")).stdout).toBe("pod/alpha\npod/gamma\n");
    expect((await k("get", "pods", "--field-selector", "spec.nodeName=node-1", "-o", "name")).stdout).toBe("pod/alpha\n");
  });
  it("-o wide, --show-labels, --no-headers, --sort-by", async () => {
    const wide = await k("get", "pods", "-o", "wide");
    expect(wide.stdout.split("\n")[0]).toMatch(/AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide.stdout).toMatch(/alpha .*<none>\s+node-1\s+/);
    expect((await k("get", "pods", "--show-labels")).stdout).toMatch(/LABELS\n.*app=web\n/);
    expect((await k("get", "pods", "--no-headers")).stdout).not.toMatch(/NAME/);
    const sorted = await k("get", "pods", "--sort-by", "{.metadata.labels.app}", "-o", "name");
    expect(sorted.stdout).toBe("pod/beta\npod/alpha\n");
  });
  it("-o json, yaml, jsonpath, custom-columns", async () => {
    const one = JSON.parse((await k("get", "pod", "alpha", "-o", "json")).stdout) as Pod;
    expect(one).toMatchObject({ kind: "Pod", apiVersion: "v1", metadata: { name: "alpha" } });
    const list = JSON.parse((await k("get", "pods", "-o", "json")).stdout) as { kind: string; items: Pod[] };
    expect(list.kind).toBe("List");
    expect(list.items.map((p) => p.metadata.name)).toEqual(["alpha", "beta"]);
    expect((await k("get", "pod", "alpha", "-o", "yaml")).stdout).toMatch(/^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    expect((await k("get", "pods", "-o", "jsonpath={.items[*].metadata.name}")).stdout).toBe("alpha beta");
    expect((await k("get", "pod", "alpha", "-o", "jsonpath={.status.phase}")).stdout).toBe("Pending");
    expect((await k("get", "pods", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}')).stdout).toBe("alpha\nbeta\n");
    expect((await k("get", "pods", "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName")).stdout).toMatch(/^NAME\s+NODE\nalpha\s+node-1\nbeta\s+<none>\n$/);
  });
  it("other kinds print their kubectl columns", async () => {
    const svc = await kctl(["--server", srv.url, "--token", srv.token, "apply", "-f", "-"], {
      input: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 30080}]\n",
    });
    expect(svc.stdout).toBe("service/web created\n");
    const s = await k("get", "svc");
    expect(s.stdout).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+NodePort\s+\S+\s+<none>\s+80:30080\/TCP\s+\d+s\n$/);
    expect((await k("get", "ns")).stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect((await k("get", "deploy")).stderr).toBe("No resources found in default namespace.\n");
    expect((await k("get", "no")).stderr).toBe("No resources found\n");
  });
  it("-w prints the table, then a row for each change", async () => {
    const w = startKctl(["--server", srv.url, "--token", srv.token, "get", "pods", "-w"]);
    try {
      await w.waitFor((out) => /\nbeta\s/.test(out));
      await srv.client.create(pod("delta", "default", { app: "new" }));
      const out = await w.waitFor((o) => /\ndelta\s+0\/1\s+Pending\s/.test(o));
      expect(out.split("\n")[0]).toMatch(/^NAME\s+READY/);
      expect(out.match(/NAME/g)).toHaveLength(1);
    } finally {
      await w.kill();
    }
  });
});

describe("kctl describe and delete", () => {
  it("describes a pod with its events in order", async () => {
    const p = await srv.client.get<Pod>("Pod", "alpha", "default");
    const ref = { kind: "Pod", name: "alpha", namespace: "default", uid: p.metadata.uid, apiVersion: "v1" };
    for (const [i, reason] of ["Scheduled", "Pulled"].entries()) {
      const ts = rfc3339(new Date(Date.now() - (2 - i) * 1000));
      await srv.client.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `alpha.${i}`, namespace: "default" },
        involvedObject: ref,
        reason,
        message: `${reason} it`,
        type: "Normal",
        source: { component: "test" },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
      } as KObject);
    }
    const r = await k("describe", "pod", "alpha");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+alpha\nNamespace:\s+default\n/);
    expect(r.stdout).toMatch(/Labels:\s+app=web\n/);
    expect(r.stdout).toMatch(/Containers:\n  c:\n    Image:\s+busybox\n/);
    expect(r.stdout).toMatch(/Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+----\s+----\s+-------\n  Normal\s+Scheduled\s+.*\n  Normal\s+Pulled\s+/);
  });
  it("describes a secret without its values", async () => {
    await srv.client.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "s1", namespace: "default" }, data: { password: Buffer.from("hunter2").toString("base64") } } as KObject);
    const r = await k("describe", "secret", "s1");
    expect(r.stdout).toMatch(/password:\s+7 bytes/);
    expect(r.stdout).not.toMatch(/hunter2|aHVudGVyMg/);
  });
  it("deletes by name (waiting until gone), by TYPE/NAME, by -l, and --all", async () => {
    const a = await k("delete", "pod", "beta");
    expect(a.stdout).toBe('pod "beta" deleted\n');
    await expect(srv.client.get("Pod", "beta", "default")).rejects.toThrow(/not found/);
    // alpha is bound to a node with no kubelet: graceful deletion waits for it, so --wait=false
    // returns at once and leaves it Terminating; --grace-period=0 --force removes it.
    expect((await k("delete", "pod/alpha", "--wait=false")).stdout).toBe('pod "alpha" deleted\n');
    expect((await k("get", "pod", "alpha")).stdout).toMatch(/alpha\s+0\/1\s+Terminating\s/);
    expect((await k("delete", "pod/alpha", "--grace-period=0", "--force")).stdout).toBe('pod "alpha" deleted\n');
    await expect(srv.client.get("Pod", "alpha", "default")).rejects.toThrow(/not found/);
    expect((await k("delete", "pods", "-l", "app=web", "-n", "other")).stdout).toBe('pod "gamma" deleted\n');
    await srv.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x1", namespace: "default" } } as KObject);
    expect((await k("delete", "cm", "--all")).stdout).toMatch(/configmap "x1" deleted\n/);
    const missing = await k("delete", "pod", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
  });
});
