import { describe, expect, it } from "vitest";
import { humanDuration, since } from "../../lib/human-duration.js";
import { podSummary } from "../../lib/pod-summary.js";
import { formatTable } from "../../cli/printers/table.js";
import { formatEndpoints, servicePorts, externalIP } from "../../lib/printers/service.js";
import { nodeStatus, nodeRoles } from "../../lib/printers/cluster.js";
import { formatGroups, loadOutputFormat, parseOutputFlag, tableRows, type TableOptions } from "../../cli/printers/output.js";
import { sortObjects } from "../../cli/printers/sort.js";
import { parseCustomColumns, customColumnRows } from "../../cli/printers/custom-columns.js";
import { resourceForKind } from "../../lib/kinds.js";
import type { Endpoints, KObject, Node, Pod, Service } from "../../lib/types.js";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe("humanDuration (kubectl's AGE)", () => {
  it.each([
    [0, "0s"],
    [5 * S, "5s"],
    [119 * S, "119s"],
    [2 * M, "2m"],
    [4 * M + 10 * S, "4m10s"],
    [9 * M + 59 * S, "9m59s"],
    [10 * M + 30 * S, "10m"],
    [179 * M, "179m"],
    [3 * H, "3h"],
    [5 * H + 7 * M, "5h7m"],
    [20 * H, "20h"],
    [47 * H, "47h"],
    [2 * D + 4 * H, "2d4h"],
    [3 * D, "3d"],
    [30 * D, "30d"],
    [800 * D, "2y70d"],
    [365 * 9 * D, "9y"],
    [-1500, "0s"],
    [-5 * S, "<invalid>"],
  ])("%d ms -> %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
  it("since() handles missing timestamps", () => {
    expect(since(undefined)).toBe("<unknown>");
    expect(since("2020-01-01T00:00:00Z", Date.parse("2020-01-01T00:00:05Z"))).toBe("5s");
  });
});

const NOW = Date.parse("2024-05-01T12:00:00Z");
function pod(status: Pod["status"], extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", creationTimestamp: "2024-05-01T11:59:00Z", ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: "a", image: "x" }], ...(extra.spec ?? {}) },
    status,
  };
}

describe("podSummary (kubectl's STATUS column)", () => {
  it("running and ready", () => {
    const p = pod({ phase: "Running", containerStatuses: [{ name: "a", ready: true, restartCount: 0, image: "x", state: { running: {} } }] });
    expect(podSummary(p, NOW)).toEqual({ ready: "1/1", status: "Running", restarts: "0" });
  });
  it("pending without status", () => {
    expect(podSummary(pod({ phase: "Pending" }), NOW).status).toBe("Pending");
    expect(podSummary(pod(undefined), NOW)).toEqual({ ready: "0/1", status: "Pending", restarts: "0" });
  });
  it("ContainerCreating / ImagePullBackOff come from the waiting reason", () => {
    const p = pod({ phase: "Pending", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { waiting: { reason: "ContainerCreating" } } }] });
    expect(podSummary(p, NOW).status).toBe("ContainerCreating");
    const q = pod({ phase: "Pending", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { waiting: { reason: "ImagePullBackOff" } } }] });
    expect(podSummary(q, NOW).status).toBe("ImagePullBackOff");
  });
  it("CrashLoopBackOff with restarts and (ago)", () => {
    const p = pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "a",
          ready: false,
          restartCount: 5,
          image: "x",
          state: { waiting: { reason: "CrashLoopBackOff" } },
          lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: "2024-05-01T11:59:55Z" } },
        },
      ],
    });
    expect(podSummary(p, NOW)).toEqual({ ready: "0/1", status: "CrashLoopBackOff", restarts: "5 (5s ago)" });
  });
  it("Completed, Error and ExitCode", () => {
    const done = pod({ phase: "Succeeded", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 0, reason: "Completed" } } }] });
    expect(podSummary(done, NOW).status).toBe("Completed");
    const err = pod({ phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 2, reason: "Error" } } }] });
    expect(podSummary(err, NOW).status).toBe("Error");
    const code = pod({ phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 3 } } }] });
    expect(podSummary(code, NOW).status).toBe("ExitCode:3");
    const sig = pod({ phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 137, signal: 9 } } }] });
    expect(podSummary(sig, NOW).status).toBe("Signal:9");
  });
  it("Terminating when a deletionTimestamp is set on a non-terminal pod", () => {
    const p = pod({ phase: "Running" }, { metadata: { name: "p", deletionTimestamp: "2024-05-01T11:59:59Z" } });
    expect(podSummary(p, NOW).status).toBe("Terminating");
    const q = pod({ phase: "Succeeded" }, { metadata: { name: "p", deletionTimestamp: "2024-05-01T11:59:59Z" } });
    expect(podSummary(q, NOW).status).toBe("Succeeded");
  });
  it("init containers: Init:0/2, Init:Error, Init:CrashLoopBackOff", () => {
    const spec = { containers: [{ name: "a", image: "x" }], initContainers: [{ name: "i1", image: "x" }, { name: "i2", image: "x" }] };
    const running = pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, image: "x", state: { running: {} } }] }, { spec });
    expect(podSummary(running, NOW).status).toBe("Init:0/2");
    const failed = pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 1, reason: "Error" } } }] }, { spec });
    expect(podSummary(failed, NOW).status).toBe("Init:Error");
    const loop = pod({ phase: "Pending", initContainerStatuses: [{ name: "i1", ready: false, restartCount: 3, image: "x", state: { waiting: { reason: "CrashLoopBackOff" } } }] }, { spec });
    expect(podSummary(loop, NOW)).toMatchObject({ status: "Init:CrashLoopBackOff", restarts: "3" });
  });
  it("Completed with a running container is Running (or NotReady)", () => {
    const p = pod(
      {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [
          { name: "a", ready: true, restartCount: 0, image: "x", state: { running: {} } },
          { name: "b", ready: false, restartCount: 0, image: "x", state: { terminated: { exitCode: 0, reason: "Completed" } } },
        ],
      },
      { spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "x" }] } },
    );
    expect(podSummary(p, NOW)).toMatchObject({ ready: "1/2", status: "Running" });
  });
});

describe("table alignment", () => {
  it("pads like kubectl's tabwriter (min 6, padding 3, last column bare)", () => {
    const out = formatTable([
      ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
      ["web-1", "1/1", "Running", "0", "5s"],
    ]);
    expect(out).toBe("NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5s\n");
  });
});

describe("service, endpoints, node cells", () => {
  it("ports and external IPs", () => {
    expect(servicePorts([{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }])).toBe("80:30080/TCP,53/UDP");
    expect(servicePorts([])).toBe("<none>");
    const svc = (type: Service["spec"]["type"]): Service => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type } });
    expect(externalIP(svc("ClusterIP"))).toBe("<none>");
    expect(externalIP(svc("LoadBalancer"))).toBe("<pending>");
  });
  it("endpoints: up to 3 then + N more", () => {
    const ep: Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "e" },
      subsets: [{ addresses: ["1", "2", "3", "4", "5"].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }],
    };
    expect(formatEndpoints(ep)).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...");
    expect(formatEndpoints({ ...ep, subsets: [] })).toBe("<none>");
  });
  it("node status and roles", () => {
    const n: Node = { apiVersion: "v1", kind: "Node", metadata: { name: "n", labels: { "node-role.kubernetes.io/control-plane": "" } }, spec: { unschedulable: true }, status: { conditions: [{ type: "Ready", status: "True" }] } };
    expect(nodeStatus(n)).toBe("Ready,SchedulingDisabled");
    expect(nodeRoles(n)).toBe("control-plane");
    expect(nodeStatus({ ...n, spec: {}, status: { conditions: [{ type: "Ready", status: "Unknown" }] } })).toBe("NotReady");
  });
});

const podR = resourceForKind("Pod")!;
const opts: TableOptions = { wide: false, noHeaders: false, showLabels: false, withNamespace: false, withKind: false, labelColumns: [], now: NOW };
function simplePod(name: string, ns = "default", labels: Record<string, string> = {}): KObject {
  return { metadata: { name, namespace: ns, labels, creationTimestamp: "2024-05-01T11:59:00Z" }, spec: { containers: [{ name: "a", image: "x" }] }, status: { phase: "Running" } } as unknown as KObject;
}

describe("output formats", () => {
  it("table with -A and --show-labels", () => {
    const rows = tableRows([simplePod("a", "ns1", { app: "web" })], podR, { ...opts, withNamespace: true, showLabels: true });
    expect(rows[0]).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"]);
    expect(rows[1]).toEqual(["ns1", "a", "0/1", "Running", "0", "60s", "app=web"]);
  });
  it("name, json list, yaml single with type meta filled in", async () => {
    const groups = [{ resource: podR, objects: [simplePod("a"), simplePod("b")] }];
    expect(formatGroups(groups, parseOutputFlag("name"), opts, false)).toBe("pod/a\npod/b\n");
    const list = JSON.parse(formatGroups(groups, parseOutputFlag("json"), opts, false));
    expect(list.kind).toBe("List");
    expect(list.items[0]).toMatchObject({ apiVersion: "v1", kind: "Pod" });
    const yaml = formatGroups([{ resource: podR, objects: [simplePod("a")] }], await loadOutputFormat("yaml"), opts, true);
    expect(yaml.startsWith("apiVersion: v1\nkind: Pod\nmetadata:")).toBe(true);
  });
  it("jsonpath and custom-columns", () => {
    const groups = [{ resource: podR, objects: [simplePod("a"), simplePod("b")] }];
    expect(formatGroups(groups, parseOutputFlag("jsonpath={.items[*].metadata.name}"), opts, false)).toBe("a b");
    const cols = parseCustomColumns("NAME:.metadata.name,NODE:.spec.nodeName");
    expect(customColumnRows([simplePod("a")], cols, false)).toEqual([["NAME", "NODE"], ["a", "<none>"]]);
  });
  it("rejects an unknown -o", () => {
    expect(() => parseOutputFlag("xml")).toThrow(/unable to match a printer/);
  });
  it("--sort-by", () => {
    const sorted = sortObjects([simplePod("c"), simplePod("a"), simplePod("b")], ".metadata.name");
    expect(sorted.map((o) => o.metadata.name)).toEqual(["a", "b", "c"]);
  });
});
