/**
 * Simulated nodes against a real API server: registration, heart-beats (Lease and Ready
 * condition), pods marked Running and Ready, graceful deletes finished, stopNode.
 * These nodes run no containers: nothing here is about real containers.
 */
import { describe, expect, it } from "vitest";
import { isNotFound } from "../../lib/errors.js";
import type { Lease, Node, Pod } from "../../lib/types.js";
import { createPods, serverPerTest, simNodes } from "./scheduler-helpers.js";
import { makePod } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

const t = serverPerTest();

describe("simulated nodes", () => {
  it("register Ready nodes with capacity, labels and fake addresses", async () => {
    const sim = await simNodes(t.client, 3, { cpu: "2", memory: "8Gi", pods: 50, labels: { zone: "lab" } });
    t.cleanups.push(() => sim.stop());
    expect(sim.nodeNames).toEqual(["sim-node-0", "sim-node-1", "sim-node-2"]);
    const n = await t.client.get<Node>("Node", "sim-node-1");
    expect(n.metadata.labels).toMatchObject({ "kctl.io/simulated": "true", zone: "lab" });
    expect(n.status?.allocatable).toMatchObject({ cpu: "2", memory: "8Gi", pods: "50" });
    expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(n.status?.addresses?.[0]).toEqual({ type: "InternalIP", address: "127.0.0.2" });
  });

  it("mark bound pods Running and Ready (after the run delay)", async () => {
    const sim = await simNodes(t.client, 1, { runDelayMs: 50 });
    t.cleanups.push(() => sim.stop());
    const pod = makePod("p");
    pod.spec.nodeName = "sim-node-0"; // bound directly: no scheduler needed
    await createPods(t.client, [pod]);
    const running = await eventually("pod Running and Ready", async () => {
      const p = await t.client.get<Pod>("Pod", "p", "default");
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(running.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual(
      ["ContainersReady=True", "Initialized=True", "PodScheduled=True", "Ready=True"],
    );
    expect(running.status?.containerStatuses?.[0]).toMatchObject({ name: "c", ready: true, restartCount: 0 });
    expect(running.status?.podIP).toMatch(/^10\.0\.0\.\d+$/);
    expect(running.status?.hostIP).toBe("127.0.0.1");
  });

  it("ignore pods bound to other nodes", async () => {
    const sim = await simNodes(t.client, 1);
    t.cleanups.push(() => sim.stop());
    const other = makePod("elsewhere");
    other.spec.nodeName = "real-node";
    const mine = makePod("mine");
    mine.spec.nodeName = "sim-node-0";
    await createPods(t.client, [other, mine]);
    await eventually("mine Running", async () => (await t.client.get<Pod>("Pod", "mine", "default")).status?.phase === "Running");
    expect((await t.client.get<Pod>("Pod", "elsewhere", "default")).status?.phase ?? "Pending").toBe("Pending");
  });

  it("finish graceful deletes of their pods", async () => {
    const sim = await simNodes(t.client, 1);
    t.cleanups.push(() => sim.stop());
    const pod = makePod("doomed");
    pod.spec.nodeName = "sim-node-0";
    pod.spec.terminationGracePeriodSeconds = 600;
    await createPods(t.client, [pod]);
    await eventually("Running", async () => (await t.client.get<Pod>("Pod", "doomed", "default")).status?.phase === "Running");
    await t.client.delete("Pod", "doomed", { namespace: "default" });
    await eventually("pod gone", async () => {
      try {
        await t.client.get<Pod>("Pod", "doomed", "default");
        return false;
      } catch (e) {
        return isNotFound(e);
      }
    });
  });

  it("heart-beat a Lease and the Ready condition; stopNode stops one node", async () => {
    const sim = await simNodes(t.client, 2, { heartbeatMs: 100 });
    t.cleanups.push(() => sim.stop());
    const renew = async (name: string) => (await t.client.get<Lease>("Lease", name, "kube-node-lease")).spec.renewTime ?? "";
    const beat = async (name: string) =>
      (await t.client.get<Node>("Node", name)).status?.conditions?.find((c) => c.type === "Ready")?.lastHeartbeatTime ?? "";
    const first = await eventually("a lease", () => renew("sim-node-0"));
    const firstBeat = await beat("sim-node-0");
    await eventually("the lease renewed", async () => (await renew("sim-node-0")) > first);
    await eventually("the Ready heart-beat advanced", async () => (await beat("sim-node-0")) > firstBeat);

    sim.stopNode("sim-node-1");
    // A heart-beat of node 1 already in flight may still land: read its lease after node 0 has
    // renewed once more, then check it stays put while node 0 renews twice again.
    const t0 = await renew("sim-node-0");
    await eventually("node 0 renewed again", async () => (await renew("sim-node-0")) > t0);
    const frozen = await renew("sim-node-1");
    const t2 = await renew("sim-node-0");
    await eventually("node 0 renewed", async () => (await renew("sim-node-0")) > t2);
    const t1 = await renew("sim-node-0");
    await eventually("node 0 renewed once more", async () => (await renew("sim-node-0")) > t1);
    expect(await renew("sim-node-1")).toBe(frozen);
  });
});
