import { describe, expect, it } from "vitest";
import { SchedulerCache } from "../../scheduler/cache.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import { makeNode, makePod } from "../helpers/builders.js";

describe("SchedulerCache", () => {
  it("sums bound pods per node", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n"));
    c.setPod(makePod("a", { cpu: "500m", memory: "1Gi", nodeName: "n" }));
    c.setPod(makePod("b", { cpu: "250m", nodeName: "n" }));
    c.setPod(makePod("unbound", { cpu: "1" }));
    const n = c.node("n")!;
    expect(n.requested).toEqual({ milliCpu: 750, memory: 1024 ** 3 });
    expect(n.nonZeroRequested).toEqual({ milliCpu: 750, memory: 1024 ** 3 + 200 * 1024 ** 2 });
    expect(n.podCount).toBe(2);
  });

  it("keeps pods of a node it has not seen yet and counts them when the node arrives", () => {
    const c = new SchedulerCache();
    c.setPod(makePod("a", { cpu: "1", nodeName: "late" }));
    expect(c.nodeList()).toHaveLength(0);
    c.setNode(makeNode("late"));
    expect(c.node("late")!.requested.milliCpu).toBe(1000);
  });

  it("assume counts at once; the bound watch event confirms without double counting", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n"));
    const pod = makePod("a", { cpu: "1" });
    c.assume(buildPodInfo(pod), "n");
    expect(c.isAssumed(pod.metadata.uid!)).toBe(true);
    expect(c.node("n")!.requested.milliCpu).toBe(1000);
    // The watch shows the pod still unbound (an older event): the assumption stays.
    c.setPod(pod);
    expect(c.node("n")!.requested.milliCpu).toBe(1000);
    c.setPod({ ...pod, spec: { ...pod.spec, nodeName: "n" } });
    expect(c.isAssumed(pod.metadata.uid!)).toBe(false);
    expect(c.node("n")!.requested.milliCpu).toBe(1000);
    expect(c.node("n")!.podCount).toBe(1);
  });

  it("forget gives the room back", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n"));
    const info = buildPodInfo(makePod("a", { cpu: "1", owner: "rs" }));
    c.assume(info, "n");
    c.forget(info.uid);
    const n = c.node("n")!;
    expect(n.requested.milliCpu).toBe(0);
    expect(n.podCount).toBe(0);
    expect(n.ownerCounts.size).toBe(0);
  });

  it("a pod bound elsewhere than assumed moves", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("a"));
    c.setNode(makeNode("b"));
    const pod = makePod("p", { cpu: "1" });
    c.assume(buildPodInfo(pod), "a");
    c.setPod({ ...pod, spec: { ...pod.spec, nodeName: "b" } });
    expect(c.node("a")!.requested.milliCpu).toBe(0);
    expect(c.node("b")!.requested.milliCpu).toBe(1000);
  });

  it("deleted and finished pods free their node; ports and owners too", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n"));
    const pod = makePod("p", { owner: "rs", containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, hostPort: 80 }] }], nodeName: "n" });
    c.setPod(pod);
    expect(c.node("n")!.usedPorts.get("TCP/80")).toEqual(["0.0.0.0"]);
    expect([...c.node("n")!.ownerCounts.values()]).toEqual([1]);
    c.setPod({ ...pod, status: { phase: "Failed" } });
    expect(c.node("n")!.usedPorts.size).toBe(0);
    expect(c.node("n")!.podCount).toBe(0);
    c.setPod(pod);
    c.deletePod(pod);
    expect(c.node("n")!.podCount).toBe(0);
  });

  it("owner ids: shared by an owner's pods, dropped with its last pod", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n"));
    const probe = () => c.resolve(buildPodInfo(makePod("probe", { owner: "rs" }))).ownerId;
    expect(probe()).toBe(-1);
    const a = makePod("a", { owner: "rs", nodeName: "n" });
    const b = makePod("b", { owner: "rs", nodeName: "n" });
    c.setPod(a);
    c.setPod(b);
    const id = probe();
    expect(id).toBeGreaterThanOrEqual(0);
    expect(c.node("n")!.ownerCounts.get(id)).toBe(2);
    c.deletePod(a);
    expect(c.node("n")!.ownerCounts.get(id)).toBe(1);
    c.deletePod(b);
    expect(probe()).toBe(-1);
    expect(c.node("n")!.ownerCounts.size).toBe(0);
  });

  it("node updates keep what is assigned; removal drops the node from the candidates", () => {
    const c = new SchedulerCache();
    c.setNode(makeNode("n", { cpu: "2" }));
    c.setPod(makePod("a", { cpu: "1", nodeName: "n" }));
    c.setNode(makeNode("n", { cpu: "8", unschedulable: true }));
    const n = c.node("n")!;
    expect(n.allocatable.milliCpu).toBe(8000);
    expect(n.unschedulable).toBe(true);
    expect(n.requested.milliCpu).toBe(1000);
    c.removeNode("n");
    expect(c.nodeList()).toHaveLength(0);
  });
});
