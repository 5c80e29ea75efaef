/**
 * The scheduler against a real API server (real SQLite) with simulated nodes: placements
 * (spread vs bin-packing), nodeSelector, taints, cordon, host ports, Pending with the right
 * FailedScheduling message and later scheduling, no overcommit under concurrency.
 */
import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../lib/types.js";
import { setUnschedulable, drainNode } from "../../cli/commands/cordon.js";
import {
  addNode,
  countPerNode,
  createPods,
  failedSchedulingEvents,
  listPods,
  runScheduler,
  serverPerTest,
  simNodes,
  waitBound,
} from "./scheduler-helpers.js";
import { makePod } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

const t = serverPerTest();

async function scheduler(seed = 1): Promise<void> {
  const s = await runScheduler(t.client, seed);
  t.cleanups.push(() => s.stop());
}

async function nodes(count: number, extra: Parameters<typeof simNodes>[2] = {}): Promise<string[]> {
  const sim = await simNodes(t.client, count, extra);
  t.cleanups.push(() => sim.stop());
  return sim.nodeNames;
}

const sink = { write: () => true };

describe("placements", () => {
  it("3 replicas of one owner on 3 nodes: one on each", async () => {
    await nodes(3);
    await scheduler();
    await createPods(t.client, [1, 2, 3].map((i) => makePod(`web-${i}`, { owner: "web-abc", cpu: "100m", memory: "128Mi" })));
    const placement = await waitBound(t.client, 3);
    expect(Object.values(countPerNode(placement)).sort()).toEqual([1, 1, 1]);
  });

  it("20 small pods with no owner pack onto the fewest nodes", async () => {
    await nodes(3);
    await scheduler();
    await createPods(t.client, Array.from({ length: 20 }, (_, i) => makePod(`small-${i}`, { cpu: "100m", memory: "128Mi" })));
    const placement = await waitBound(t.client, 20);
    expect(Object.keys(countPerNode(placement))).toHaveLength(1);
  });

  it("pods bigger than a node's share spill over to as few nodes as possible", async () => {
    await nodes(4, { cpu: "2", memory: "4Gi" });
    await scheduler();
    await createPods(t.client, Array.from({ length: 5 }, (_, i) => makePod(`big-${i}`, { cpu: "1", memory: "1Gi" })));
    const placement = await waitBound(t.client, 5);
    expect(Object.values(countPerNode(placement)).sort()).toEqual([1, 2, 2]);
  });

  it("nodeSelector picks the labelled node", async () => {
    await nodes(2);
    await nodes(1, { namePrefix: "ssd", labels: { disk: "ssd" } });
    await scheduler();
    await createPods(t.client, [1, 2, 3].map((i) => makePod(`db-${i}`, { spec: { nodeSelector: { disk: "ssd" } } })));
    const placement = await waitBound(t.client, 3);
    expect(new Set(Object.values(placement))).toEqual(new Set(["ssd-0"]));
  });

  it("taints keep pods away unless tolerated", async () => {
    await addNode(t.client, "plain", { cpu: "1" });
    await addNode(t.client, "gpu", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] });
    await scheduler();
    // Too big for "plain": only "gpu" has room, and only the tolerating pod may go there.
    await createPods(t.client, [
      makePod("tolerant", { cpu: "2", spec: { tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }] } }),
      makePod("intolerant", { cpu: "2" }),
    ]);
    const placement = await waitBound(t.client, 1);
    expect(placement).toEqual({ tolerant: "gpu" });
    const msg = await eventually("intolerant's PodScheduled=False", async () => {
      const p = await t.client.get<Pod>("Pod", "intolerant", "default");
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False")?.message;
    });
    expect(msg).toBe("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}.");
  });

  it("a cordoned node gets no pods; uncordon opens it again", async () => {
    const [a, b] = await nodes(2);
    await scheduler();
    await setUnschedulable(t.client, a, true, sink);
    expect((await t.client.get<Node>("Node", a)).spec?.unschedulable).toBe(true);
    await createPods(t.client, Array.from({ length: 5 }, (_, i) => makePod(`p-${i}`, { cpu: "100m" })));
    const placement = await waitBound(t.client, 5);
    expect(new Set(Object.values(placement))).toEqual(new Set([b]));
    await setUnschedulable(t.client, a, false, sink);
    await setUnschedulable(t.client, b, true, sink);
    await createPods(t.client, [makePod("after", { cpu: "100m" })]);
    const after = await waitBound(t.client, 6);
    expect(after.after).toBe(a);
  });

  it("host ports: one pod per node per port, the rest Pending with the ports reason", async () => {
    await nodes(3);
    await scheduler();
    await createPods(t.client, Array.from({ length: 4 }, (_, i) => makePod(`hp-${i}`, { hostPort: 8080 })));
    const placement = await waitBound(t.client, 3);
    expect(Object.values(countPerNode(placement)).sort()).toEqual([1, 1, 1]);
    const pending = (await listPods(t.client)).find((p) => !p.spec.nodeName)!;
    const ev = await eventually("a FailedScheduling event", async () => (await failedSchedulingEvents(t.client, pending.metadata.name!))[0]);
    expect(ev.message).toBe("0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.");
  });
});

describe("unschedulable pods", () => {
  it("stay Pending with kube-scheduler's message, then schedule when a node is added", async () => {
    await addNode(t.client, "small-1", { memory: "1Gi" });
    await addNode(t.client, "small-2", { memory: "1Gi" });
    await addNode(t.client, "cordoned", { memory: "64Gi", unschedulable: true });
    await scheduler();
    await createPods(t.client, [makePod("hungry", { memory: "2Gi" })]);
    const want = "0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable.";

    const ev = await eventually("a FailedScheduling event", async () => (await failedSchedulingEvents(t.client, "hungry"))[0]);
    expect(ev).toMatchObject({
      type: "Warning",
      reason: "FailedScheduling",
      message: want,
      source: { component: "default-scheduler" },
      involvedObject: { kind: "Pod", name: "hungry", namespace: "default" },
    });
    const pod = await eventually("PodScheduled=False", async () => {
      const p = await t.client.get<Pod>("Pod", "hungry", "default");
      return p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False") ? p : undefined;
    });
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status?.phase ?? "Pending").toBe("Pending");
    expect(pod.status?.conditions?.find((c) => c.type === "PodScheduled")).toMatchObject({ reason: "Unschedulable", message: want });

    await addNode(t.client, "big", { memory: "8Gi" });
    const placement = await waitBound(t.client, 1);
    expect(placement).toEqual({ hungry: "big" });
  });

  it("with no nodes at all", async () => {
    await scheduler();
    await createPods(t.client, [makePod("lonely")]);
    const ev = await eventually("a FailedScheduling event", async () => (await failedSchedulingEvents(t.client, "lonely"))[0]);
    expect(ev.message).toBe("no nodes available to schedule pods");
  });
});

describe("concurrency", () => {
  it("never overcommits a node, even with many pods arriving at once", async () => {
    await nodes(5, { cpu: "1", memory: "4Gi" });
    await scheduler();
    // 5 nodes x 1 cpu, 300m each: exactly 3 fit per node, 15 in all.
    await createPods(t.client, Array.from({ length: 30 }, (_, i) => makePod(`c-${i}`, { cpu: "300m" })));
    const placement = await waitBound(t.client, 15);
    const counts = countPerNode(placement);
    expect(Object.values(counts).every((n) => n <= 3)).toBe(true);
    expect(Object.values(placement)).toHaveLength(15);
    // The other 15 stay Pending, all with the same reason.
    await eventually("15 pods with PodScheduled=False", async () => {
      const pods = await listPods(t.client);
      const pending = pods.filter((p) => !p.spec.nodeName);
      const marked = pending.filter((p) => p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.message === "0/5 nodes are available: 5 Insufficient cpu."));
      return pending.length === 15 && marked.length === 15;
    });
    expect((await listPods(t.client)).filter((p) => p.spec.nodeName)).toHaveLength(15);
  });

  it("counts pods bound before it started (a restarted scheduler does not overcommit)", async () => {
    await nodes(2, { cpu: "1" });
    const pre = [makePod("pre-0", { cpu: "800m" }), makePod("pre-1", { cpu: "800m" })];
    pre[0].spec.nodeName = "sim-node-0";
    pre[1].spec.nodeName = "sim-node-1";
    await createPods(t.client, pre);
    await scheduler();
    await createPods(t.client, [makePod("late", { cpu: "500m" })]);
    const ev = await eventually("a FailedScheduling event", async () => (await failedSchedulingEvents(t.client, "late"))[0]);
    expect(ev.message).toBe("0/2 nodes are available: 2 Insufficient cpu.");
    await t.client.delete("Pod", "pre-1", { namespace: "default", gracePeriodSeconds: 0 });
    await eventually("late bound to the freed node", async () => (await t.client.get<Pod>("Pod", "late", "default")).spec.nodeName === "sim-node-1");
  });

  it("deleting bound pods lets pending ones in", async () => {
    await nodes(1, { cpu: "1" });
    await scheduler();
    await createPods(t.client, Array.from({ length: 4 }, (_, i) => makePod(`d-${i}`, { cpu: "500m" })));
    const first = await waitBound(t.client, 2);
    for (const name of Object.keys(first)) await t.client.delete("Pod", name, { namespace: "default", gracePeriodSeconds: 0 });
    const second = await waitBound(t.client, 2);
    expect(Object.keys(second).sort()).not.toEqual(Object.keys(first).sort());
  });
});

describe("drain", () => {
  it("cordons, deletes managed pods, refuses unmanaged ones without --force", async () => {
    const [a] = await nodes(1);
    await scheduler();
    await createPods(t.client, [makePod("managed", { owner: "rs" }), makePod("lone")]);
    await waitBound(t.client, 2);
    const out: string[] = [];
    const w = { write: (s: string) => out.push(s) };
    await expect(drainNode(t.client, a, { timeoutMs: 10_000 }, w, w)).rejects.toThrow(
      'unable to drain node "sim-node-0" due to error: cannot delete Pods that declare no controller (use --force to override): default/lone',
    );
    expect((await t.client.get<Node>("Node", a)).spec?.unschedulable).toBe(true);
    out.length = 0;
    await drainNode(t.client, a, { force: true, gracePeriod: 0, timeoutMs: 10_000 }, w, w);
    expect(out.join("")).toContain("node/sim-node-0 already cordoned\n");
    expect(out.join("")).toContain("Warning: deleting Pods that declare no controller: default/lone\n");
    expect(out.join("")).toContain("node/sim-node-0 drained\n");
    expect(await listPods(t.client)).toHaveLength(0);
  });
});
