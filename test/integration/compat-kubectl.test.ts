/**
 * The real kubectl (/usr/bin/kubectl) against our server. kubectl sends bearer tokens only over
 * TLS, so the server runs with a self-signed certificate; the kubeconfig carries its CA.
 * No extra flags: kubectl reads kctl's OpenAPI and leaves field validation to the server
 * (test/integration/openapi-field-validation.test.ts covers that in depth).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { assertKubectl, KUBECTL, kubectlAgainst } from "../helpers/kubectl.js";

const run = promisify(execFile);

let s: TestServer;
beforeAll(async () => {
  // kubectl is part of the test environment: fail, naming it, rather than skip.
  assertKubectl("these tests check the API against the real kubectl");
  s = await startTestServer({ tls: true });
});
afterAll(async () => {
  await s?.close();
});

const kubectl = (...args: string[]) => kubectlAgainst(s, args);

describe("kubectl", () => {
  it("get pods on an empty namespace", async () => {
    const r = await kubectl("get", "pods");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/No resources found in default namespace/);
  });

  it("create -f, get, get -o json, apply (client-side), scale, delete", async () => {
    const manifest = path.join(s.dataDir, "web.yaml");
    fs.writeFileSync(manifest, [
      "apiVersion: v1", "kind: Pod", "metadata:", "  name: web", "  labels: {app: web}", "spec:", "  containers:", "  - name: nginx", "    image: nginx:1.25", "",
    ].join("\n"));
    const c = await kubectl("create", "-f", manifest);
    expect(c.stdout.trim()).toBe("pod/web created");
    // server-side printing (Table): the same columns as against Kubernetes
    const g = await kubectl("get", "pods");
    expect(g.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*\nweb\s+0\/1\s+Pending\s+0\s+\d+s/m);
    const j = await kubectl("get", "pod", "web", "-o", "json");
    const obj = JSON.parse(j.stdout) as { metadata: { uid: string }; spec: { restartPolicy: string } };
    expect(obj.metadata.uid).toBeTruthy();
    expect(obj.spec.restartPolicy).toBe("Always");
    const short = await kubectl("get", "po", "-l", "app=web", "-o", "name");
    expect(short.stdout.trim()).toBe("pod/web");

    const deploy = path.join(s.dataDir, "deploy.yaml");
    const dy = (replicas: number, image: string) => [
      "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: web", "spec:", `  replicas: ${replicas}`,
      "  selector: {matchLabels: {app: web}}", "  template:", "    metadata: {labels: {app: web}}", "    spec:", "      containers:",
      "      - name: nginx", `        image: ${image}`, "        ports: [{containerPort: 80}]", "",
    ].join("\n");
    fs.writeFileSync(deploy, dy(2, "nginx:1.25"));
    expect((await kubectl("apply", "-f", deploy)).stdout.trim()).toBe("deployment.apps/web created");
    fs.writeFileSync(deploy, dy(3, "nginx:1.26"));
    expect((await kubectl("apply", "-f", deploy)).stdout.trim()).toBe("deployment.apps/web configured");
    const d = JSON.parse((await kubectl("get", "deploy", "web", "-o", "json")).stdout) as { spec: { replicas: number; template: { spec: { containers: { image: string; ports: unknown[] }[] } } }; metadata: { generation: number } };
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0]!.image).toBe("nginx:1.26");
    expect(d.spec.template.spec.containers[0]!.ports).toHaveLength(1);
    expect(d.metadata.generation).toBe(2);
    expect((await kubectl("scale", "deploy", "web", "--replicas=5")).stdout.trim()).toBe("deployment.apps/web scaled");
    const all = await kubectl("get", "all");
    expect(all.stdout).toMatch(/pod\/web\s+0\/1\s+Pending/);
    expect(all.stdout).toMatch(/deployment\.apps\/web\s+0\/5/);

    const del = await kubectl("delete", "pod", "web");
    expect(del.stdout.trim()).toBe('pod "web" deleted');
    expect((await kubectl("delete", "-f", deploy)).stdout.trim()).toBe('deployment.apps "web" deleted');
    expect((await kubectl("get", "pods")).stderr).toMatch(/No resources found/);
  });

  it("get pods shows kubectl's STATUS and RESTARTS cells (init progress, restarts ago) from the server's Table", async () => {
    await s.client.create({
      apiVersion: "v1", kind: "Pod", metadata: { name: "initing" },
      spec: { initContainers: [{ name: "setup", image: "busybox:1.36" }], containers: [{ name: "app", image: "nginx:1.25" }] },
    } as never, "default");
    const cur = await s.client.get<Pod>("Pod", "initing", "default");
    // What a kubelet writes while the first of one init containers runs after one crash.
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    await s.client.updateStatus<Pod>({
      ...cur,
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "setup", ready: false, restartCount: 1, image: "busybox:1.36", imageID: "", state: { running: { startedAt: minuteAgo } }, lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: minuteAgo } } }],
        containerStatuses: [{ name: "app", ready: false, restartCount: 0, image: "nginx:1.25", imageID: "", state: { waiting: { reason: "PodInitializing" } } }],
      },
    });
    const g = await kubectl("get", "pod", "initing");
    expect(g.stdout).toMatch(/^initing\s+0\/1\s+Init:0\/1\s+1 \(\d+s ago\)\s+\d+s/m);
    await s.client.delete("Pod", "initing", { namespace: "default" });
  });

  it("get -w streams Table rows", async () => {
    const hub = s.server.app.kctl.hub;
    const openBefore = hub.open;
    const watch = run(KUBECTL, ["--kubeconfig", s.kubeconfigPath, "get", "configmaps", "-w", "--request-timeout=3s"], { timeout: 10_000, env: { ...process.env, HOME: s.dataDir } }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "", stderr: "" }));
    // kubectl lists, then watches: create once its watch is open on the server (bounded wait).
    for (let end = Date.now() + 8_000; hub.open <= openBefore && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
    expect(hub.open).toBeGreaterThan(openBefore);
    await s.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "watched" }, data: { a: "b" } } as never);
    const out = (await watch).stdout;
    expect(out).toMatch(/NAME\s+DATA\s+AGE/);
    expect(out).toMatch(/watched\s+1\s+\d+s/);
  });

  it("api-resources and get of cluster-scoped kinds", async () => {
    const r = await kubectl("api-resources");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    const ns = await kubectl("get", "ns", "-o", "name");
    expect(ns.stdout).toMatch(/namespace\/kube-system/);
  });
});
