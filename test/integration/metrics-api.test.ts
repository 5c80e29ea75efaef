/**
 * metrics.k8s.io against a real API server (TLS, real SQLite), fed by reports as kubelets send
 * them: discovery, get/list, selectors, who may report and read, 405 for everything else, and
 * the real `kubectl top` reading it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import type { NodeMetricsReport, PodMetrics } from "../../lib/metrics.js";
import type { KList, Node, Pod } from "../../lib/types.js";
import { makeNode } from "../helpers/builders.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let n1: ApiClient;
const M = "/apis/metrics.k8s.io/v1beta1";

const pod = (name: string, node: string, labels: Record<string, string> = {}, ns = "default"): Pod =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, labels }, spec: { nodeName: node, containers: [{ name: "c", image: "busybox" }] } }) as Pod;

function report(node: string, pods: { ns?: string; name: string; uid: string; cpu: string; memory: string }[]): NodeMetricsReport {
  return {
    apiVersion: "kctl.io/v1",
    kind: "NodeMetricsReport",
    node,
    periodSeconds: 60,
    timestamp: "2026-01-01T00:00:15Z",
    window: "15.012s",
    usage: { cpu: "1500000000n", memory: "4Gi" },
    pods: pods.map((p) => ({ namespace: p.ns ?? "default", name: p.name, uid: p.uid, timestamp: "2026-01-01T00:00:15Z", window: "15.012s", containers: [{ name: "c", usage: { cpu: p.cpu, memory: p.memory } }] })),
  };
}

async function failure(p: Promise<unknown>): Promise<{ code?: number; reason?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: number; reason?: string; message?: string };
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  assertKubectl("kubectl top must read kctl's metrics.k8s.io");
  srv = await startTestServer({ tls: true });
  const c1 = await srv.nodeCredential("n1");
  n1 = new ApiClient({ server: srv.url, token: c1.token, ca: srv.caPem });
  for (const [name, labels] of [["n1", { zone: "a" }], ["n2", { zone: "b" }]] as const) {
    const n = makeNode(name, { cpu: "2", memory: "8Gi", labels: { ...labels } });
    await srv.client.create(n);
    await srv.client.updateStatus({ ...(await srv.client.get<Node>("Node", name)), status: n.status });
  }
  await srv.client.create(pod("web-1", "n1", { app: "web" }));
  await srv.client.create(pod("db-1", "n1", { app: "db" }));
});
afterAll(async () => {
  n1?.close();
  await srv?.close();
});

describe("metrics.k8s.io", () => {
  it("is discoverable, as kubectl top requires", async () => {
    const groups = await srv.client.request<{ groups: { name: string; preferredVersion: { groupVersion: string } }[] }>("GET", "/apis");
    expect(groups.groups.find((g) => g.name === "metrics.k8s.io")?.preferredVersion.groupVersion).toBe("metrics.k8s.io/v1beta1");
    const list = await srv.client.request<{ resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] }>("GET", M);
    expect(list.resources).toEqual([
      { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ]);
  });

  it("says metrics are not available before any report, as metrics-server does", async () => {
    expect((await srv.client.request<KList>("GET", `${M}/nodes`)).items).toEqual([]);
    expect(await failure(srv.client.request("GET", `${M}/nodes/n1`))).toMatchObject({ code: 404, message: 'nodemetrics.metrics.k8s.io "n1" not found' });
    const r = await kubectlAgainst(srv, ["top", "nodes"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("error: metrics not available yet");
  });

  it("refuses reports for another node, for a missing node, and malformed ones", async () => {
    const web = await srv.client.get<Pod>("Pod", "web-1", "default");
    expect(await failure(n1.request("PUT", "/apis/kctl.io/v1/nodemetricsreports/n2", { body: report("n2", []) }))).toMatchObject({ code: 403 });
    expect(await failure(srv.client.request("PUT", "/apis/kctl.io/v1/nodemetricsreports/ghost", { body: report("ghost", []) }))).toMatchObject({ code: 404 });
    const bad = { ...report("n1", [{ name: "web-1", uid: web.metadata.uid!, cpu: "lots", memory: "1Mi" }]) };
    expect(await failure(n1.request("PUT", "/apis/kctl.io/v1/nodemetricsreports/n1", { body: bad }))).toMatchObject({ code: 400, message: "pods[0].containers[0].usage.cpu must be a quantity" });
    expect(await failure(n1.request("PUT", "/apis/kctl.io/v1/nodemetricsreports/n1", { body: { ...report("n1", []), node: "n2" } }))).toMatchObject({ code: 400 });
  });

  it("serves a node's report as NodeMetrics and PodMetrics, with selectors", async () => {
    const web = await srv.client.get<Pod>("Pod", "web-1", "default");
    const db = await srv.client.get<Pod>("Pod", "db-1", "default");
    await n1.request("PUT", "/apis/kctl.io/v1/nodemetricsreports/n1", {
      body: report("n1", [
        { name: "web-1", uid: web.metadata.uid!, cpu: "250000000n", memory: "12Mi" },
        { name: "db-1", uid: db.metadata.uid!, cpu: "1000000n", memory: "64Mi" },
        // a pod the node no longer runs (another UID): not served
        { name: "gone", uid: "x", cpu: "1", memory: "1Gi" },
      ]),
    });
    const node = await srv.client.request<Record<string, unknown>>("GET", `${M}/nodes/n1`);
    expect(node).toMatchObject({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: "n1", labels: { zone: "a" } }, timestamp: "2026-01-01T00:00:15Z", window: "15.012s", usage: { cpu: "1500000000n", memory: "4Gi" } });
    const nodes = await srv.client.request<KList>("GET", `${M}/nodes`, { query: { labelSelector: "zone=a" } });
    expect(nodes.kind).toBe("NodeMetricsList");
    expect(nodes.items.map((i) => i.metadata.name)).toEqual(["n1"]);
    expect((await srv.client.request<KList>("GET", `${M}/nodes`, { query: { labelSelector: "zone=b" } })).items).toEqual([]);

    const pods = await srv.client.request<KList<PodMetrics>>("GET", `${M}/namespaces/default/pods`);
    expect(pods.kind).toBe("PodMetricsList");
    expect(pods.items.map((p) => [p.metadata.name, p.containers[0]!.usage.cpu])).toEqual([["db-1", "1000000n"], ["web-1", "250000000n"]]);
    expect((await srv.client.request<KList>("GET", `${M}/pods`)).items).toHaveLength(2);
    expect((await srv.client.request<KList>("GET", `${M}/namespaces/other/pods`)).items).toEqual([]);
    const sel = await srv.client.request<KList>("GET", `${M}/namespaces/default/pods`, { query: { labelSelector: "app=web" } });
    expect(sel.items.map((p) => p.metadata.name)).toEqual(["web-1"]);
    const fsel = await srv.client.request<KList>("GET", `${M}/namespaces/default/pods`, { query: { fieldSelector: "metadata.name=db-1" } });
    expect(fsel.items.map((p) => p.metadata.name)).toEqual(["db-1"]);
    const one = await srv.client.request<PodMetrics>("GET", `${M}/namespaces/default/pods/web-1`);
    expect(one).toMatchObject({ kind: "PodMetrics", metadata: { name: "web-1", namespace: "default", labels: { app: "web" } }, window: "15.012s", containers: [{ name: "c", usage: { cpu: "250000000n", memory: "12Mi" } }] });
    expect(await failure(srv.client.request("GET", `${M}/namespaces/default/pods/gone`))).toMatchObject({ code: 404, message: 'podmetrics.metrics.k8s.io "gone" not found' });
    expect(await failure(srv.client.request("GET", `${M}/namespaces/default/pods`, { query: { labelSelector: "a in (" } }))).toMatchObject({ code: 400 });
  });

  it("is read-only: other methods and watch are 405 MethodNotAllowed", async () => {
    for (const [method, path] of [["POST", `${M}/nodes`], ["DELETE", `${M}/nodes/n1`], ["PUT", `${M}/namespaces/default/pods/web-1`], ["PATCH", `${M}/namespaces/default/pods/web-1`], ["DELETE", `${M}/namespaces/default/pods`]] as const) {
      expect(await failure(srv.client.request(method, path, method === "DELETE" ? {} : { body: {} }))).toMatchObject({ code: 405, reason: "MethodNotAllowed" });
    }
    expect(await failure(srv.client.request("GET", `${M}/namespaces/default/pods`, { query: { watch: "true" } }))).toMatchObject({ code: 405 });
  });

  it("lets whoever may read pods and nodes read their metrics, and nobody else", async () => {
    const { kctl } = await import("../helpers/cli.js");
    const mk = async (args: string[]): Promise<ApiClient> => {
      const r = await kctl(["token", "create", ...args, "--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath]);
      expect(r.code).toBe(0);
      return new ApiClient({ server: srv.url, token: r.stdout.trim(), ca: srv.caPem });
    };
    const view = await mk(["--role", "view"]);
    expect((await view.request<KList>("GET", `${M}/nodes`)).items).toHaveLength(1);
    expect((await view.request<KList>("GET", `${M}/pods`)).items).toHaveLength(2);
    const teamA = await mk(["--role", "view", "-n", "team-a"]);
    expect(await failure(teamA.request("GET", `${M}/namespaces/default/pods`))).toMatchObject({ code: 403 });
    expect(await failure(teamA.request("GET", `${M}/nodes`))).toMatchObject({ code: 403 });
    expect(await failure(new ApiClient({ server: srv.url, token: "nope", ca: srv.caPem }).request("GET", `${M}/nodes`))).toMatchObject({ code: 401 });
    view.close();
    teamA.close();
  });

  it("is what the real kubectl top prints", async () => {
    const nodes = await kubectlAgainst(srv, ["top", "nodes"]);
    expect(nodes.stderr).toBe("");
    // kubectl 1.32 heads the percentages CPU% and MEMORY%, newer ones CPU(%) and MEMORY(%)
    const rows = nodes.stdout.trim().split("\n").map((l) => l.trim().replace(/\b(CPU|MEMORY)%/g, "$1(%)").split(/\s+/));
    // 1.5 cores of 2, 4Gi of 8Gi; n2 has no report
    expect(rows).toEqual([
      ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
      ["n1", "1500m", "75%", "4096Mi", "50%"],
      ["n2", "<unknown>", "<unknown>", "<unknown>", "<unknown>"],
    ]);
    const pods = await kubectlAgainst(srv, ["top", "pods"]);
    expect(pods.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/))).toEqual([
      ["NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["db-1", "1m", "64Mi"],
      ["web-1", "250m", "12Mi"],
    ]);
    const one = await kubectlAgainst(srv, ["top", "pod", "web-1", "--containers"]);
    expect(one.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/))).toEqual([
      ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
      ["web-1", "c", "250m", "12Mi"],
    ]);
  });
});
