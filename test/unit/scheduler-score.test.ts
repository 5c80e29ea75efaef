import { describe, expect, it } from "vitest";
import { SchedulerCache } from "../../scheduler/cache.js";
import { Diagnosis, fitErrorMessage } from "../../scheduler/fit-error.js";
import { schedulePod, scoreNode } from "../../scheduler/framework.js";
import { mostAllocated } from "../../scheduler/plugins/most-allocated.js";
import { ownerSpread } from "../../scheduler/plugins/owner-spread.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import { seededRandom } from "../../lib/seeded-random.js";
import type { Node, Pod } from "../../lib/types.js";
import { makeNode, makePod } from "../helpers/builders.js";

function cacheOf(nodes: Node[], bound: [string, Pod][] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.setNode(n);
  for (const [node, p] of bound) c.setPod({ ...p, spec: { ...p.spec, nodeName: node } });
  return c;
}

describe("MostAllocated", () => {
  it.each([
    { name: "empty node, pod takes a quarter of each", bound: [], pod: makePod("p", { cpu: "1", memory: "4Gi" }), want: 25 },
    { name: "half full node, pod fills it", bound: [makePod("a", { cpu: "2", memory: "8Gi" })], pod: makePod("p", { cpu: "2", memory: "8Gi" }), want: 100 },
    { name: "cpu and memory are averaged", bound: [], pod: makePod("p", { cpu: "4", memory: "0" }), want: 50 },
    // No requests: 100m of 4 cores (2.5%) and 200Mi of 16Gi (1.2207...%)
    { name: "pods without requests count 100m/200Mi", bound: [], pod: makePod("p"), want: ((0.1 / 4 + 200 / (16 * 1024)) / 2) * 100 },
    { name: "over-full by defaults is capped at full", bound: [makePod("a", { cpu: "4", memory: "16Gi" })], pod: makePod("p"), want: 100 },
  ])("$name", ({ bound, pod, want }) => {
    const c = cacheOf([makeNode("n", { cpu: "4", memory: "16Gi" })], bound.map((p) => ["n", p] as [string, Pod]));
    expect(mostAllocated(buildPodInfo(pod), c.node("n")!)).toBeCloseTo(want, 9);
  });

  it("prefers the fuller node", () => {
    const c = cacheOf([makeNode("a"), makeNode("b")], [["a", makePod("x", { cpu: "1", memory: "1Gi" })]]);
    const p = buildPodInfo(makePod("p", { cpu: "100m", memory: "100Mi" }));
    expect(mostAllocated(p, c.node("a")!)).toBeGreaterThan(mostAllocated(p, c.node("b")!));
  });
});

describe("OwnerSpread", () => {
  it.each([
    { name: "no owner: neutral", owner: undefined, bound: [makePod("x", { owner: "rs" })], want: 100 },
    { name: "owner with no replica on the node", owner: "rs", bound: [makePod("x", { owner: "other" })], want: 100 },
    { name: "owner with a replica on the node", owner: "rs", bound: [makePod("x", { owner: "rs" })], want: 0 },
    { name: "owner with two replicas on the node", owner: "rs", bound: [makePod("x", { owner: "rs" }), makePod("y", { owner: "rs" })], want: -100 },
  ])("$name", ({ owner, bound, want }) => {
    const c = cacheOf([makeNode("n")], bound.map((p) => ["n", p] as [string, Pod]));
    expect(ownerSpread(c.resolve(buildPodInfo(makePod("p", { owner }))), c.node("n")!)).toBe(want);
  });

  it("outweighs packing: an empty node beats a nearly full one that has a replica", () => {
    const c = cacheOf([makeNode("full"), makeNode("empty")], [["full", makePod("x", { owner: "rs", cpu: "3900m", memory: "15Gi" })]]);
    const p = c.resolve(buildPodInfo(makePod("p", { owner: "rs", cpu: "100m", memory: "100Mi" })));
    expect(scoreNode(p, c.node("empty")!)).toBeGreaterThan(scoreNode(p, c.node("full")!));
  });
});

/** Place `pods` one after another as the scheduler would (assume on the chosen node). */
function placeAll(c: SchedulerCache, pods: Pod[], seed = 1): Record<string, string> {
  const random = seededRandom(seed);
  const out: Record<string, string> = {};
  for (const p of pods) {
    const info = c.resolve(buildPodInfo(p));
    const r = schedulePod(info, c.nodeList(), random);
    if (!r.ok) throw new Error(`${p.metadata.name}: ${r.message}`);
    c.assume(info, r.node.name);
    out[p.metadata.name!] = r.node.name;
  }
  return out;
}

function perNode(placement: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of Object.values(placement)) counts[n] = (counts[n] ?? 0) + 1;
  return counts;
}

describe("schedulePod placements", () => {
  const three = () => [makeNode("n1"), makeNode("n2"), makeNode("n3")];

  it("3 replicas of one owner on 3 nodes: one on each", () => {
    for (const seed of [1, 2, 3, 42]) {
      const pods = [1, 2, 3].map((i) => makePod(`web-${i}`, { owner: "web", cpu: "100m", memory: "128Mi" }));
      expect(Object.values(perNode(placeAll(cacheOf(three()), pods, seed))).sort()).toEqual([1, 1, 1]);
    }
  });

  it("3 replicas without requests also spread", () => {
    const pods = [1, 2, 3].map((i) => makePod(`web-${i}`, { owner: "web" }));
    expect(Object.values(perNode(placeAll(cacheOf(three()), pods))).sort()).toEqual([1, 1, 1]);
  });

  it("20 small pods with no owner pack onto one node", () => {
    const pods = Array.from({ length: 20 }, (_, i) => makePod(`p-${i}`, { cpu: "100m", memory: "256Mi" }));
    expect(Object.keys(perNode(placeAll(cacheOf(three()), pods)))).toHaveLength(1);
  });

  it("pods that fill a node spill to the fewest nodes", () => {
    // 4 cores per node, 1 core per pod: 10 pods need 3 nodes, packed 4+4+2.
    const pods = Array.from({ length: 10 }, (_, i) => makePod(`p-${i}`, { cpu: "1", memory: "1Gi" }));
    expect(Object.values(perNode(placeAll(cacheOf(three()), pods))).sort()).toEqual([2, 4, 4]);
  });

  it("replicas of one owner spread evenly: 6 on 3 nodes land 2/2/2, 12 land 4/4/4", () => {
    const six = Array.from({ length: 6 }, (_, i) => makePod(`r-${i}`, { owner: "rs", cpu: "100m", memory: "128Mi" }));
    expect(Object.values(perNode(placeAll(cacheOf(three()), six)))).toEqual([2, 2, 2]);
    const twelve = Array.from({ length: 12 }, (_, i) => makePod(`s-${i}`, { owner: "rs2", cpu: "100m", memory: "128Mi" }));
    expect(Object.values(perNode(placeAll(cacheOf(three()), twelve)))).toEqual([4, 4, 4]);
  });

  it("among nodes with equal replica counts, packing decides", () => {
    // Unrelated pods fill n2; the first replica of a new owner goes to the fullest node.
    const c = cacheOf(three(), [["n2", makePod("other", { cpu: "2", memory: "4Gi" })]]);
    const placed = perNode(placeAll(c, [makePod("r-0", { owner: "rs", cpu: "100m", memory: "128Mi" })]));
    expect(placed).toEqual({ n2: 1 });
  });

  it("replicas of one owner spread only where they fit", () => {
    const nodes = [makeNode("big", { cpu: "4" }), makeNode("tiny", { cpu: "100m" })];
    const pods = [1, 2].map((i) => makePod(`r-${i}`, { owner: "rs", cpu: "1" }));
    expect(perNode(placeAll(cacheOf(nodes), pods))).toEqual({ big: 2 });
  });

  it("is deterministic for a seed and varies across seeds", () => {
    const pods = () => Array.from({ length: 5 }, (_, i) => makePod(`p-${i}`, { owner: `o${i}`, cpu: "3" }));
    const nodes = () => Array.from({ length: 8 }, (_, i) => makeNode(`n${i}`));
    const a = placeAll(cacheOf(nodes()), pods(), 7);
    const b = placeAll(cacheOf(nodes()), pods(), 7);
    expect(a).toEqual(b);
    const others = [1, 2, 3, 4, 5].map((s) => JSON.stringify(placeAll(cacheOf(nodes()), pods(), s)));
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it("assume makes the next decision see the pod (never overcommit)", () => {
    const c = cacheOf([makeNode("n1", { cpu: "1" }), makeNode("n2", { cpu: "1" })]);
    const pods = Array.from({ length: 3 }, (_, i) => makePod(`p-${i}`, { cpu: "600m" }));
    const random = seededRandom(1);
    const results = pods.map((p) => {
      const info = buildPodInfo(p);
      const r = schedulePod(info, c.nodeList(), random);
      if (r.ok) c.assume(info, r.node.name);
      return r.ok ? r.node.name : r.message;
    });
    expect(new Set(results.slice(0, 2))).toEqual(new Set(["n1", "n2"]));
    expect(results[2]).toBe("0/2 nodes are available: 2 Insufficient cpu.");
  });
});

describe("FailedScheduling message", () => {
  it("counts by reason, highest count first, as in the issue", () => {
    const c = cacheOf([
      makeNode("a", { memory: "1Gi" }),
      makeNode("b", { memory: "1Gi" }),
      makeNode("c", { memory: "64Gi", unschedulable: true }),
    ]);
    const r = schedulePod(buildPodInfo(makePod("p", { memory: "2Gi" })), c.nodeList(), seededRandom(1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe("0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable.");
  });

  it("one node can count under several reasons", () => {
    const c = cacheOf([makeNode("a", { cpu: "1", memory: "1Gi" }), makeNode("b", { cpu: "1", memory: "1Gi" })]);
    const r = schedulePod(buildPodInfo(makePod("p", { cpu: "2", memory: "2Gi" })), c.nodeList(), seededRandom(1));
    expect(!r.ok && r.message).toBe("0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.");
  });

  it("mixes every filter", () => {
    const c = cacheOf([
      makeNode("cordoned", { unschedulable: true }),
      makeNode("down", { ready: false }),
      makeNode("tainted", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
      makeNode("wrong-label", { labels: { disk: "hdd" } }),
      makeNode("small", { labels: { disk: "ssd" }, cpu: "1" }),
    ]);
    const r = schedulePod(buildPodInfo(makePod("p", { cpu: "2", spec: { nodeSelector: { disk: "ssd" } } })), c.nodeList(), seededRandom(1));
    expect(!r.ok && r.message).toBe(
      "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, " +
        "1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were not ready, 1 node(s) were unschedulable.",
    );
  });

  it("no nodes at all", () => {
    const r = schedulePod(buildPodInfo(makePod("p")), [], seededRandom(1));
    expect(!r.ok && r.message).toBe("no nodes available to schedule pods");
  });

  it("sorts counts numerically, not as text", () => {
    const d = new Diagnosis();
    for (let i = 0; i < 10; i++) d.add(["b reason"]);
    for (let i = 0; i < 2; i++) d.add(["a reason"]);
    expect(fitErrorMessage(12, d)).toBe("0/12 nodes are available: 10 b reason, 2 a reason.");
  });
});

describe("framework wiring", () => {
  it("filterNode and scoreNode agree with the FILTERS and SCORERS tables", async () => {
    const { FILTERS, SCORERS, filterNode } = await import("../../scheduler/framework.js");
    const c = cacheOf(
      [
        makeNode("ok"),
        makeNode("cordoned", { unschedulable: true, ready: false }),
        makeNode("down", { ready: false, cpu: "1" }),
        makeNode("tainted", { taints: [{ key: "k", effect: "NoExecute" }], cpu: "1" }),
        makeNode("small", { cpu: "1", memory: "1Gi", pods: "1" }),
      ],
      [["ok", makePod("x", { owner: "rs", cpu: "1" })], ["small", makePod("y", { cpu: "1" })]],
    );
    const pods = [makePod("a", { cpu: "2" }), makePod("b", { owner: "rs", memory: "2Gi" }), makePod("c")];
    for (const p of pods) {
      const info = c.resolve(buildPodInfo(p));
      for (const n of c.nodeList()) {
        const want = FILTERS.map((f) => f(info, n)).find((r) => r !== null) ?? null;
        expect(filterNode(info, n)).toEqual(want);
        expect(scoreNode(info, n)).toBeCloseTo(SCORERS.reduce((s, x) => s + x.plugin(info, n) * x.weight, 0), 9);
      }
    }
  });
});
