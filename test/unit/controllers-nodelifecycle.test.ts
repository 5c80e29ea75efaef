import { describe, expect, it } from "vitest";
import { observe, observedHeartbeat, planNode, UNREACHABLE_TAINT, type NodeHealth } from "../../controllers/nodelifecycle/plan.js";
import type { Lease, Node } from "../../lib/types.js";
import { at, iso, pod } from "./controllers-fixtures.js";

const opts = { gracePeriodMs: 20_000, evictionTimeoutMs: 30_000 };
function node(o: { hb?: number; ready?: "True" | "False" | "Unknown"; taints?: Node["spec"] extends infer S ? (S extends { taints?: infer T } ? T : never) : never } = {}): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", uid: "n1" },
    spec: { taints: o.taints },
    status: {
      conditions: [
        { type: "Ready", status: o.ready ?? "True", lastHeartbeatTime: iso(o.hb ?? 0), lastTransitionTime: iso(0), reason: "KubeletReady" },
        { type: "MemoryPressure", status: "False", lastHeartbeatTime: iso(o.hb ?? 0) },
      ],
    },
  };
}
const lease = (s: number): Lease => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1", namespace: "kube-node-lease" }, spec: { renewTime: iso(s) } });
const ms = (s: number) => at(s).getTime();

describe("heartbeats", () => {
  it("take the later of the Ready heartbeat and the Lease renewal", () => {
    expect(observedHeartbeat(node({ hb: 5 }), lease(9))).toBe(iso(9));
    expect(observedHeartbeat(node({ hb: 5 }), lease(1))).toBe(iso(5));
    expect(observedHeartbeat(node({ hb: 5 }), undefined)).toBe(iso(5));
  });
  it("are timed by our clock when their value changes", () => {
    const h1 = observe(undefined, node({ hb: 0 }), undefined, ms(100));
    expect(h1.probeMs).toBe(ms(100));
    expect(observe(h1, node({ hb: 0 }), undefined, ms(150))).toBe(h1);
    expect(observe(h1, node({ hb: 0 }), lease(3), ms(150)).probeMs).toBe(ms(150));
  });
});

describe("planNode", () => {
  const health = (s: number): NodeHealth => ({ heartbeat: iso(0), probeMs: ms(s) });
  it("a fresh node: nothing to do, re-check when the grace period would end", () => {
    const p = planNode(node(), health(0), [], ms(5), opts);
    expect(p).toMatchObject({ markNotReady: [], evict: [], becameUnknown: false });
    expect(p.conditions).toBeUndefined();
    expect(p.taints).toBeUndefined();
    expect(p.requeueAfterMs).toBe(15_001);
  });
  it("silent past the grace period: Ready=Unknown, unreachable taints, pods marked not ready", () => {
    const pods = [pod({ name: "a", node: "n1", ready: true })];
    const p = planNode(node(), health(0), pods, ms(21), opts);
    expect(p.becameUnknown).toBe(true);
    expect(p.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: iso(21), lastHeartbeatTime: iso(0) });
    expect(p.conditions?.find((c) => c.type === "MemoryPressure")?.status).toBe("Unknown");
    expect(p.taints).toEqual([
      { key: UNREACHABLE_TAINT, effect: "NoSchedule", timeAdded: iso(21) },
      { key: UNREACHABLE_TAINT, effect: "NoExecute", timeAdded: iso(21) },
    ]);
    expect(p.markNotReady.map((x) => x.metadata.name)).toEqual(["a"]);
    expect(p.evict).toEqual([]);
    expect(p.requeueAfterMs).toBe(30_001);
  });
  it("evicts after the eviction timeout, honouring tolerations", () => {
    const taints = [
      { key: UNREACHABLE_TAINT, effect: "NoSchedule" as const, timeAdded: iso(21) },
      { key: UNREACHABLE_TAINT, effect: "NoExecute" as const, timeAdded: iso(21) },
    ];
    const plain = pod({ name: "plain", node: "n1" });
    const forever = pod({ name: "forever", node: "n1" });
    forever.spec.tolerations = [{ key: UNREACHABLE_TAINT, operator: "Exists", effect: "NoExecute" }];
    const short = pod({ name: "short", node: "n1" });
    short.spec.tolerations = [{ key: UNREACHABLE_TAINT, operator: "Exists", effect: "NoExecute", tolerationSeconds: 5 }];
    const gone = pod({ name: "gone", node: "n1", deleting: true });
    const n = node({ ready: "Unknown", taints });
    expect(planNode(n, health(0), [plain, forever, short, gone], ms(27), opts).evict.map((p) => p.metadata.name)).toEqual(["short"]);
    const later = planNode(n, health(0), [plain, forever, short, gone], ms(52), opts);
    expect(later.evict.map((p) => p.metadata.name)).toEqual(["plain", "short"]);
    expect(later.conditions).toBeUndefined();
    expect(later.taints).toBeUndefined();
  });
  it("a node that comes back gets its taints removed", () => {
    const taints = [{ key: UNREACHABLE_TAINT, effect: "NoExecute" as const, timeAdded: iso(21) }, { key: "dedicated", effect: "NoSchedule" as const }];
    const p = planNode(node({ hb: 60, taints }), { heartbeat: iso(60), probeMs: ms(60) }, [], ms(61), opts);
    expect(p.taints).toEqual([{ key: "dedicated", effect: "NoSchedule" }]);
    expect(p.becameReady).toBe(true);
    expect(p.evict).toEqual([]);
  });
  it("a node reporting Ready=False gets the not-ready taints", () => {
    const p = planNode(node({ ready: "False" }), health(0), [], ms(1), opts);
    expect(p.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual(["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"]);
  });
});
