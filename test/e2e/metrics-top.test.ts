/**
 * Metrics end to end: a real Docker-backed kubelet samples its containers and reports them; the
 * real `kubectl top nodes|pods`, `kctl top` and `kctl describe node` show them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { type NodeKubelet, runId, startNodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const RUN = runId("metrics");
let srv: TestServer;
let node: NodeKubelet | undefined;

const pod = (name: string, script: string, resources: Record<string, Record<string, string>>): Pod =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      nodeName: RUN,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["/bin/sh", "-c", script], resources }],
    },
  }) as Pod;

/** Rows of a table, cells split on runs of spaces. */
const rows = (out: string): string[][] => out.trim().split("\n").map((l) => l.trim().split(/\s+/));
const milli = (cell: string): number => Number(/^(\d+)m$/.exec(cell)?.[1] ?? NaN);

beforeAll(async () => {
  assertKubectl("kubectl top must show what the kubelet measured");
  srv = await startTestServer({ tls: true });
  node = await startNodeKubelet(srv, RUN, RUN, { metricsPeriodSeconds: 2, capacity: { cpu: "2", memory: "4Gi" } });
  // A busy loop capped at 200m (Docker's CPU quota), and an idle one.
  await srv.client.create(pod("burner", "trap 'exit 0' TERM; while :; do :; done", { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } }));
  await srv.client.create(pod("idle", "trap 'exit 0' TERM; while true; do sleep 1; done", {}));
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await srv?.close();
});

describe("kubelet metrics", () => {
  it("real kubectl top pods shows the busy pod's CPU and both pods' memory", async () => {
    const table = await eventually(
      "kubectl top pods to show both pods, the burner busy",
      async () => {
        const r = await kubectlAgainst(srv, ["top", "pods"]);
        if (r.code !== 0) return undefined;
        const t = rows(r.stdout);
        const burner = t.find((x) => x[0] === "burner");
        return burner && t.some((x) => x[0] === "idle") && milli(burner[1]!) >= 50 ? t : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(table[0]).toEqual(["NAME", "CPU(cores)", "MEMORY(bytes)"]);
    const burner = table.find((x) => x[0] === "burner")!;
    // capped at 200m by its limit (a sample may overshoot the quota a little)
    expect(milli(burner[1]!)).toBeLessThanOrEqual(260);
    expect(burner[2]).toMatch(/^\d+Mi$/);
    const idle = table.find((x) => x[0] === "idle")!;
    expect(milli(idle[1]!)).toBeLessThan(50);
  });

  it("real kubectl top nodes shows the node's usage and its share of allocatable", async () => {
    const r = await kubectlAgainst(srv, ["top", "nodes"]);
    expect(r.code).toBe(0);
    const t = rows(r.stdout);
    expect(t[0]).toEqual(expect.arrayContaining(["NAME", "CPU(cores)", "MEMORY(bytes)"]));
    const n = t.find((x) => x[0] === RUN)!;
    expect(milli(n[1]!)).toBeGreaterThanOrEqual(50);
    // usage of 2 cores as a percentage
    expect(Number(n[2]!.replace("%", ""))).toBe(Math.trunc((milli(n[1]!) / 2000) * 100));
    expect(n[3]).toMatch(/^\d+Mi$/);
    expect(n[4]).toMatch(/^\d+%$/);
  });

  it("kctl top node and pod print kubectl's columns", async () => {
    const args = ["--kubeconfig", srv.kubeconfigPath];
    const nodes = await kctl(["top", "node", ...args]);
    expect(nodes.stderr).toBe("");
    expect(rows(nodes.stdout)[0]).toEqual(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    expect(rows(nodes.stdout)[1]![0]).toBe(RUN);
    const pods = await kctl(["top", "pod", ...args]);
    expect(rows(pods.stdout).map((x) => x[0])).toEqual(["NAME", "burner", "idle"]);
    expect(milli(rows(pods.stdout)[1]![1]!)).toBeGreaterThanOrEqual(50);
    const one = await kctl(["top", "pod", "burner", "--containers", ...args]);
    expect(rows(one.stdout)[0]).toEqual(["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    expect(rows(one.stdout)[1]!.slice(0, 2)).toEqual(["burner", "main"]);
    const sel = await kctl(["top", "pod", "-A", "-l", "app=idle", ...args]);
    expect(rows(sel.stdout).map((x) => x.slice(0, 2))).toEqual([["NAMESPACE", "NAME"], ["default", "idle"]]);
    const missing = await kctl(["top", "pod", "nope", ...args]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toBe('error: podmetrics.metrics.k8s.io "nope" not found\n');
    const empty = await kctl(["top", "pod", "-n", "kube-system", ...args]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toBe("No resources found in kube-system namespace.\n");
  });

  it("kctl describe node shows Non-terminated Pods and Allocated resources", async () => {
    const r = await kctl(["describe", "node", RUN, "--kubeconfig", srv.kubeconfigPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Non-terminated Pods:\s+\(2 in total\)\n\s+Namespace\s+Name\s+CPU Requests\s+CPU Limits\s+Memory Requests\s+Memory Limits\s+Age\n/);
    expect(r.stdout).toMatch(/\n\s+default\s+burner\s+100m \(5%\)\s+200m \(10%\)\s+32Mi \(0%\)\s+64Mi \(1%\)\s+\S+\n/);
    expect(r.stdout).toMatch(/\n\s+default\s+idle\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+\S+\n/);
    expect(r.stdout).toMatch(
      /Allocated resources:\n {2}\(Total limits may be over 100 percent, i\.e\., overcommitted\.\)\n\s+Resource\s+Requests\s+Limits\n\s+--------\s+--------\s+------\n\s+cpu\s+100m \(5%\)\s+200m \(10%\)\n\s+memory\s+32Mi \(0%\)\s+64Mi \(1%\)\n\s+ephemeral-storage\s+0 \(0%\)\s+0 \(0%\)\n/,
    );
  });
});
