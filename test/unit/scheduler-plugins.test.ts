import { describe, expect, it } from "vitest";
import { SchedulerCache } from "../../scheduler/cache.js";
import { nodePorts } from "../../scheduler/plugins/node-ports.js";
import { nodeReady } from "../../scheduler/plugins/node-ready.js";
import { nodeResourcesFit } from "../../scheduler/plugins/node-resources-fit.js";
import { nodeSelector } from "../../scheduler/plugins/node-selector.js";
import { nodeUnschedulable } from "../../scheduler/plugins/node-unschedulable.js";
import { taintToleration, toleratesTaint } from "../../scheduler/plugins/taint-toleration.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import type { FilterPlugin, NodeInfo } from "../../scheduler/types.js";
import type { ContainerPort, Node, Pod, Taint, Toleration } from "../../lib/types.js";
import { makeNode, makePod } from "../helpers/builders.js";

/** A NodeInfo for `node` with `existing` pods bound to it, built through the real cache. */
function nodeWith(node: Node, existing: Pod[] = []): NodeInfo {
  const cache = new SchedulerCache();
  cache.setNode(node);
  for (const p of existing) cache.setPod({ ...p, spec: { ...p.spec, nodeName: node.metadata.name } });
  return cache.node(node.metadata.name!)!;
}

function run(filter: FilterPlugin, pod: Pod, node: Node, existing: Pod[] = []): readonly string[] | null {
  return filter(buildPodInfo(pod), nodeWith(node, existing));
}

describe("NodeUnschedulable", () => {
  const cases: { name: string; unschedulable?: boolean; tolerations?: Toleration[]; want: string[] | null }[] = [
    { name: "schedulable node", want: null },
    { name: "cordoned node", unschedulable: true, want: ["node(s) were unschedulable"] },
    {
      name: "cordoned, pod tolerates the unschedulable taint",
      unschedulable: true,
      tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }],
      want: null,
    },
    { name: "cordoned, pod tolerates everything", unschedulable: true, tolerations: [{ operator: "Exists" }], want: null },
    {
      name: "cordoned, toleration for another key",
      unschedulable: true,
      tolerations: [{ key: "other", operator: "Exists" }],
      want: ["node(s) were unschedulable"],
    },
  ];
  it.each(cases)("$name", ({ unschedulable, tolerations, want }) => {
    const r = run(nodeUnschedulable, makePod("p", { spec: { tolerations } }), makeNode("n", { unschedulable }));
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("NodeReady", () => {
  it.each([
    { name: "Ready=True", node: makeNode("n"), want: null },
    { name: "Ready=False", node: makeNode("n", { ready: false }), want: ["node(s) were not ready"] },
    {
      name: "Ready=Unknown",
      node: { ...makeNode("n"), status: { ...makeNode("n").status, conditions: [{ type: "Ready", status: "Unknown" as const }] } },
      want: ["node(s) were not ready"],
    },
    { name: "no conditions at all", node: { ...makeNode("n"), status: { allocatable: { cpu: "1" } } }, want: ["node(s) were not ready"] },
  ])("$name", ({ node, want }) => {
    const r = run(nodeReady, makePod("p"), node);
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("NodeSelector", () => {
  const ERR = ["node(s) didn't match Pod's node affinity/selector"];
  it.each<{ name: string; sel: Record<string, string> | undefined; labels: Record<string, string>; want: string[] | null }>([
    { name: "no selector", sel: undefined, labels: {}, want: null },
    { name: "matching label", sel: { disk: "ssd" }, labels: { disk: "ssd", zone: "a" }, want: null },
    { name: "all of several", sel: { disk: "ssd", zone: "a" }, labels: { disk: "ssd", zone: "a" }, want: null },
    { name: "one of several missing", sel: { disk: "ssd", zone: "b" }, labels: { disk: "ssd", zone: "a" }, want: ERR },
    { name: "other value", sel: { disk: "ssd" }, labels: { disk: "hdd" }, want: ERR },
    { name: "label absent", sel: { disk: "ssd" }, labels: {}, want: ERR },
    { name: "empty value must match empty", sel: { gpu: "" }, labels: { gpu: "" }, want: null },
  ])("$name", ({ sel, labels, want }) => {
    const r = run(nodeSelector, makePod("p", { spec: { nodeSelector: sel } }), makeNode("n", { labels }));
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("NodeAffinity (required terms)", () => {
  const ERR = ["node(s) didn't match Pod's node affinity/selector"];
  type Term = NonNullable<NonNullable<NonNullable<Pod["spec"]["affinity"]>["nodeAffinity"]>["requiredDuringSchedulingIgnoredDuringExecution"]>["nodeSelectorTerms"][number];
  it.each<{ name: string; terms: Term[]; node: string; labels: Record<string, string>; want: string[] | null }>([
    { name: "matchFields pins to the node by name", terms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }], node: "n1", labels: {}, want: null },
    { name: "another node is refused", terms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }], node: "n2", labels: {}, want: ERR },
    { name: "In on a label", terms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }], node: "n", labels: { zone: "b" }, want: null },
    { name: "NotIn on a label", terms: [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }], node: "n", labels: { zone: "a" }, want: ERR },
    { name: "terms are ORed", terms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }, { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }], node: "n", labels: { zone: "a" }, want: null },
    { name: "requirements within a term are ANDed", terms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, { key: "gpu", operator: "Exists" }] }], node: "n", labels: { zone: "a" }, want: ERR },
    { name: "Gt compares numbers", terms: [{ matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }] }], node: "n", labels: { cores: "16" }, want: null },
  ])("$name", ({ terms, node, labels, want }) => {
    const pod = makePod("p", { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
    const r = run(nodeSelector, pod, makeNode(node, { labels }));
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("NodeResourcesFit", () => {
  const CPU = "Insufficient cpu";
  const MEM = "Insufficient memory";
  const PODS = "Too many pods";
  it.each([
    { name: "fits an empty node", pod: makePod("p", { cpu: "1", memory: "1Gi" }), node: makeNode("n", { cpu: "2", memory: "2Gi" }), existing: [], want: null },
    { name: "exactly fills the node", pod: makePod("p", { cpu: "2", memory: "2Gi" }), node: makeNode("n", { cpu: "2", memory: "2Gi" }), existing: [], want: null },
    { name: "too much cpu", pod: makePod("p", { cpu: "2500m" }), node: makeNode("n", { cpu: "2" }), existing: [], want: [CPU] },
    { name: "too much memory", pod: makePod("p", { memory: "3Gi" }), node: makeNode("n", { memory: "2Gi" }), existing: [], want: [MEM] },
    { name: "both", pod: makePod("p", { cpu: "3", memory: "3Gi" }), node: makeNode("n", { cpu: "2", memory: "2Gi" }), existing: [], want: [CPU, MEM] },
    {
      name: "counts what is already assigned",
      pod: makePod("p", { cpu: "600m" }),
      node: makeNode("n", { cpu: "1" }),
      existing: [makePod("a", { cpu: "500m" })],
      want: [CPU],
    },
    {
      name: "fits beside assigned pods",
      pod: makePod("p", { cpu: "500m", memory: "512Mi" }),
      node: makeNode("n", { cpu: "1", memory: "1Gi" }),
      existing: [makePod("a", { cpu: "500m", memory: "512Mi" })],
      want: null,
    },
    {
      name: "limits without requests count as requests",
      pod: makePod("p", { limits: { cpu: "1500m", memory: "1Gi" } }),
      node: makeNode("n", { cpu: "1", memory: "4Gi" }),
      existing: [],
      want: [CPU],
    },
    {
      name: "requests win over limits",
      pod: makePod("p", { cpu: "500m", limits: { cpu: "1500m" } }),
      node: makeNode("n", { cpu: "1" }),
      existing: [],
      want: null,
    },
    {
      name: "a pod with no requests fits a full node (only the pod count matters)",
      pod: makePod("p"),
      node: makeNode("n", { cpu: "1" }),
      existing: [makePod("a", { cpu: "1" })],
      want: null,
    },
    { name: "pod count", pod: makePod("p"), node: makeNode("n", { pods: "2" }), existing: [makePod("a"), makePod("b")], want: [PODS] },
    {
      name: "pod count and cpu together",
      pod: makePod("p", { cpu: "2" }),
      node: makeNode("n", { pods: "1", cpu: "1" }),
      existing: [makePod("a")],
      want: [PODS, CPU],
    },
    {
      name: "init container larger than the sum of containers",
      pod: makePod("p", {
        containers: [{ name: "c", image: "i", resources: { requests: { cpu: "100m" } } }],
        spec: { initContainers: [{ name: "init", image: "i", resources: { requests: { cpu: "3" } } }] },
      }),
      node: makeNode("n", { cpu: "2" }),
      existing: [],
      want: [CPU],
    },
    {
      name: "sum of several containers",
      pod: makePod("p", {
        containers: [
          { name: "a", image: "i", resources: { requests: { memory: "600Mi" } } },
          { name: "b", image: "i", resources: { requests: { memory: "600Mi" } } },
        ],
      }),
      node: makeNode("n", { memory: "1Gi" }),
      existing: [],
      want: [MEM],
    },
    {
      name: "finished pods free their resources",
      pod: makePod("p", { cpu: "1" }),
      node: makeNode("n", { cpu: "1" }),
      existing: [{ ...makePod("done", { cpu: "1" }), status: { phase: "Succeeded" as const } }],
      want: null,
    },
  ])("$name", ({ pod, node, existing, want }) => {
    const r = run(nodeResourcesFit, pod, node, existing);
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("NodePorts", () => {
  const ERR = ["node(s) didn't have free ports for the requested pod ports"];
  const withPorts = (name: string, ports: ContainerPort[], hostNetwork?: boolean): Pod =>
    makePod(name, { containers: [{ name: "c", image: "i", ports }], spec: { hostNetwork } });
  it.each([
    { name: "no host ports", pod: withPorts("p", [{ containerPort: 80 }]), existing: [withPorts("a", [{ containerPort: 80, hostPort: 80 }])], want: null },
    { name: "free port", pod: withPorts("p", [{ containerPort: 80, hostPort: 8080 }]), existing: [withPorts("a", [{ containerPort: 80, hostPort: 80 }])], want: null },
    { name: "same port taken", pod: withPorts("p", [{ containerPort: 80, hostPort: 80 }]), existing: [withPorts("a", [{ containerPort: 81, hostPort: 80 }])], want: ERR },
    {
      name: "same port, other protocol",
      pod: withPorts("p", [{ containerPort: 53, hostPort: 53, protocol: "UDP" }]),
      existing: [withPorts("a", [{ containerPort: 53, hostPort: 53 }])],
      want: null,
    },
    {
      name: "same port, distinct host IPs",
      pod: withPorts("p", [{ containerPort: 80, hostPort: 80, hostIP: "10.0.0.1" }]),
      existing: [withPorts("a", [{ containerPort: 80, hostPort: 80, hostIP: "10.0.0.2" }])],
      want: null,
    },
    {
      name: "wildcard IP conflicts with a specific one",
      pod: withPorts("p", [{ containerPort: 80, hostPort: 80 }]),
      existing: [withPorts("a", [{ containerPort: 80, hostPort: 80, hostIP: "10.0.0.2" }])],
      want: ERR,
    },
    {
      name: "specific IP conflicts with the wildcard",
      pod: withPorts("p", [{ containerPort: 80, hostPort: 80, hostIP: "10.0.0.1" }]),
      existing: [withPorts("a", [{ containerPort: 80, hostPort: 80 }])],
      want: ERR,
    },
    {
      name: "hostNetwork uses the container port as host port",
      pod: withPorts("p", [{ containerPort: 9100 }], true),
      existing: [withPorts("a", [{ containerPort: 1, hostPort: 9100 }])],
      want: ERR,
    },
  ])("$name", ({ pod, existing, want }) => {
    const r = run(nodePorts, pod, makeNode("n"), existing);
    expect(r === null ? null : [...r]).toEqual(want);
  });
});

describe("TaintToleration", () => {
  const dedicated: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  const noExec: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
  const prefer: Taint = { key: "soft", value: "x", effect: "PreferNoSchedule" };
  it.each([
    { name: "no taints", taints: [], tol: [], want: null },
    { name: "untolerated NoSchedule", taints: [dedicated], tol: [], want: ["node(s) had untolerated taint {dedicated: gpu}"] },
    { name: "untolerated NoExecute", taints: [noExec], tol: [], want: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"] },
    { name: "PreferNoSchedule does not filter", taints: [prefer], tol: [], want: null },
    { name: "Equal with value", taints: [dedicated], tol: [{ key: "dedicated", operator: "Equal" as const, value: "gpu" }], want: null },
    { name: "default operator is Equal", taints: [dedicated], tol: [{ key: "dedicated", value: "gpu" }], want: null },
    {
      name: "Equal with the wrong value",
      taints: [dedicated],
      tol: [{ key: "dedicated", operator: "Equal" as const, value: "cpu" }],
      want: ["node(s) had untolerated taint {dedicated: gpu}"],
    },
    { name: "Exists on the key", taints: [dedicated], tol: [{ key: "dedicated", operator: "Exists" as const }], want: null },
    { name: "empty key with Exists tolerates all", taints: [dedicated, noExec], tol: [{ operator: "Exists" as const }], want: null },
    {
      name: "effect must match",
      taints: [dedicated],
      tol: [{ key: "dedicated", operator: "Exists" as const, effect: "NoExecute" as const }],
      want: ["node(s) had untolerated taint {dedicated: gpu}"],
    },
    {
      name: "one of two tolerated",
      taints: [dedicated, noExec],
      tol: [{ key: "dedicated", operator: "Exists" as const }],
      want: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"],
    },
  ])("$name", ({ taints, tol, want }) => {
    const r = run(taintToleration, makePod("p", { spec: { tolerations: tol } }), makeNode("n", { taints }));
    expect(r === null ? null : [...r]).toEqual(want);
  });

  it("toleratesTaint follows Kubernetes' rules", () => {
    expect(toleratesTaint({ operator: "Exists", effect: "NoSchedule" }, dedicated)).toBe(true);
    expect(toleratesTaint({ operator: "Exists", effect: "NoSchedule" }, noExec)).toBe(false);
    expect(toleratesTaint({ key: "dedicated" }, dedicated)).toBe(false); // Equal with empty value
  });
});
