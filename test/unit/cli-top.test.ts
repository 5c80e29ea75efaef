import { describe, expect, it } from "vitest";
import { cpuCell, memoryCell, nodeRows, percentCell, podHeader, podRows } from "../../cli/printers/top.js";
import { describeNodeResources, share } from "../../cli/describe/node-resources.js";
import { DescribeWriter } from "../../cli/describe/tabwriter.js";
import type { NodeMetrics, PodMetrics } from "../../lib/metrics.js";
import { podLimits, podRequests } from "../../lib/pod-resources.js";
import { formatQuantity, parseQuantity } from "../../lib/quantity.js";
import type { Container, Node, Pod } from "../../lib/types.js";

const q = parseQuantity;

describe("top cells, as kubectl's metricsutil", () => {
  it.each([
    ["250000000n", "250m"],
    ["329087452n", "330m"],
    ["1", "1000m"],
    ["0", "0m"],
    ["1n", "1m"],
  ])("cpu %s → %s", (v, want) => expect(cpuCell(q(v))).toBe(want));
  it.each([
    ["12Mi", "12Mi"],
    ["2748180Ki", "2683Mi"],
    ["1048575", "0Mi"],
    ["4Gi", "4096Mi"],
  ])("memory %s → %s", (v, want) => expect(memoryCell(q(v))).toBe(want));
  it.each([
    ["250m", "4", "6%"],
    ["1500m", "2", "75%"],
    ["4Gi", "8Gi", "50%"],
    ["1", "0", "0%"],
  ])("%s of %s → %s", (u, a, want) => expect(percentCell(q(u), q(a))).toBe(want));
});

describe("top tables", () => {
  const nm = (name: string, cpu: string, memory: string): NodeMetrics => ({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name }, timestamp: "", window: "15s", usage: { cpu, memory } });
  const pm = (ns: string, name: string, containers: [string, string, string][]): PodMetrics => ({
    kind: "PodMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: { name, namespace: ns },
    timestamp: "",
    window: "15s",
    containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })),
  });

  it("nodes: by name, percentages of allocatable, <unknown> for a node without metrics", () => {
    const alloc = new Map([
      ["b", { cpu: "2", memory: "8Gi" }],
      ["a", { cpu: "4", memory: "16Gi" }],
      ["c", { cpu: "1", memory: "1Gi" }],
    ]);
    expect(nodeRows([nm("b", "1500000000n", "4Gi"), nm("a", "250m", "12Mi")], alloc)).toEqual([
      ["a", "250m", "6%", "12Mi", "0%"],
      ["b", "1500m", "75%", "4096Mi", "50%"],
      ["c", "<unknown>", "<unknown>", "<unknown>", "<unknown>"],
    ]);
  });

  it("pods: containers summed, or one row each with --containers; NAMESPACE first with -A", () => {
    const ms = [pm("kube-system", "dns", [["dns", "2m", "12Mi"]]), pm("default", "web", [["web", "250m", "12Mi"], ["log", "1500000n", "1Mi"]])];
    expect(podRows(ms, { withNamespace: false, containers: false })).toEqual([
      ["dns", "2m", "12Mi"],
      ["web", "252m", "13Mi"],
    ]);
    expect(podHeader({ withNamespace: true, containers: true })).toEqual(["NAMESPACE", "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
    expect(podRows(ms, { withNamespace: true, containers: true })).toEqual([
      ["default", "web", "log", "2m", "1Mi"],
      ["default", "web", "web", "250m", "12Mi"],
      ["kube-system", "dns", "dns", "2m", "12Mi"],
    ]);
  });
});

describe("pod requests and limits (resourcehelper)", () => {
  const pod = (containers: Partial<Container>[], init: Partial<Container>[] = []): Pod =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: containers.map((c, i) => ({ name: `c${i}`, image: "x", ...c })), initContainers: init.map((c, i) => ({ name: `i${i}`, image: "x", ...c })) } }) as Pod;
  const text = (m: Map<string, ReturnType<typeof q>>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, formatQuantity(v)]));

  it.each([
    { what: "sum of containers", pod: pod([{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }, { resources: { requests: { cpu: "250m", memory: "128Mi" } } }]), req: { cpu: "350m", memory: "192Mi" }, lim: {} },
    { what: "a limit stands in for an unset request", pod: pod([{ resources: { limits: { cpu: "1", memory: "1Gi" } } }]), req: { cpu: "1", memory: "1Gi" }, lim: { cpu: "1", memory: "1Gi" } },
    { what: "a larger init container wins", pod: pod([{ resources: { requests: { cpu: "100m" } } }], [{ resources: { requests: { cpu: "500m" }, limits: { cpu: "1" } } }]), req: { cpu: "500m" }, lim: { cpu: "1" } },
    { what: "nothing asked", pod: pod([{}]), req: {}, lim: {} },
  ])("$what", ({ pod: p, req, lim }) => {
    expect(text(podRequests(p))).toEqual(req);
    expect(text(podLimits(p))).toEqual(lim);
  });
});

describe("describe node: Non-terminated Pods and Allocated resources", () => {
  it.each([
    ["500m", "2", "cpu", "500m (25%)"],
    ["64Mi", "8Gi", "memory", "64Mi (0%)"],
    ["0", "2", "cpu", "0 (0%)"],
    ["1", "0", "cpu", "1 (0%)"],
  ])("share %s of %s %s → %s", (a, b, r, want) => expect(share(q(a), q(b), r)).toBe(want));

  it("prints kubectl's tables", () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { cpu: "2", memory: "8Gi", pods: "110", "example.com/gpu": "2" } } } as Node;
    const created = "2026-01-01T00:00:00Z";
    const now = Date.parse(created) + 5 * 60_000;
    const pods = [
      { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "default", creationTimestamp: created }, spec: { containers: [{ name: "w", image: "x", resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } }] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "db-1", namespace: "default", creationTimestamp: created }, spec: { containers: [{ name: "d", image: "x" }] } },
    ] as Pod[];
    const w = new DescribeWriter();
    describeNodeResources(w, node, pods, now);
    expect(w.toString().split("\n").map((l) => l.trimEnd())).toEqual([
      "Non-terminated Pods:  (2 in total)",
      "  Namespace           Name     CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age",
      "  ---------           ----     ------------  ----------  ---------------  -------------  ---",
      "  default             web-1    500m (25%)    0 (0%)      1Gi (12%)        2Gi (25%)      5m",
      "  default             db-1     0 (0%)        0 (0%)      0 (0%)           0 (0%)         5m",
      "Allocated resources:",
      "  (Total limits may be over 100 percent, i.e., overcommitted.)",
      "  Resource           Requests    Limits",
      "  --------           --------    ------",
      "  cpu                500m (25%)  0 (0%)",
      "  memory             1Gi (12%)   2Gi (25%)",
      "  ephemeral-storage  0 (0%)      0 (0%)",
      "  example.com/gpu    0           0",
      "",
    ]);
  });
});
