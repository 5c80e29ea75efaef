import { describe, expect, it } from "vitest";
import { isRunningReady, nodeAddress, nodeLease, podCidr, podIp, runningStatus, simNode } from "../../simnode/objects.js";
import { makePod } from "../helpers/builders.js";

describe("simulated node objects", () => {
  const shape = { cpu: "4", memory: "16Gi", pods: 110, labels: { zone: "a" }, leaseDurationSeconds: 40 };

  it("a Node marked simulated, Ready, with capacity = allocatable and fake addresses", () => {
    const n = simNode("sim-node-0", 0, shape, "2026-01-01T00:00:00.000Z");
    expect(n.metadata.labels).toMatchObject({ "kctl.io/simulated": "true", zone: "a", "kubernetes.io/hostname": "sim-node-0" });
    expect(n.status?.allocatable).toEqual({ cpu: "4", memory: "16Gi", pods: "110" });
    expect(n.status?.capacity).toEqual(n.status?.allocatable);
    expect(n.status?.conditions?.[0]).toMatchObject({ type: "Ready", status: "True", lastHeartbeatTime: "2026-01-01T00:00:00.000Z" });
    expect(n.status?.addresses?.[0]).toEqual({ type: "InternalIP", address: "127.0.0.1" });
  });

  it("caller labels cannot remove the simulated marker", () => {
    const n = simNode("x", 0, { ...shape, labels: { "kctl.io/simulated": "false" } }, "2026-01-01T00:00:00.000Z");
    expect(n.metadata.labels?.["kctl.io/simulated"]).toBe("true");
  });

  it("addresses, CIDRs and pod IPs are distinct per node", () => {
    expect(nodeAddress(0)).toBe("127.0.0.1");
    expect(nodeAddress(255)).toBe("127.0.1.0");
    expect(nodeAddress(999)).toBe("127.0.3.232");
    expect(podCidr(300)).toBe("10.1.44.0/24");
    expect(podIp(300, 0)).toBe("10.1.44.1");
    expect(podIp(300, 254)).toBe("10.1.44.1");
  });

  it("a Lease with MicroTime renewTime", () => {
    const l = nodeLease("n", "2026-01-01T00:00:00.123Z", 40);
    expect(l.metadata).toEqual({ name: "n", namespace: "kube-node-lease" });
    expect(l.spec).toEqual({ holderIdentity: "n", leaseDurationSeconds: 40, renewTime: "2026-01-01T00:00:00.123000Z" });
  });

  it("running status: phase, four conditions, ready containers, IPs", () => {
    const pod = makePod("p", { containers: [{ name: "a", image: "img:1" }, { name: "b", image: "img:2" }] });
    const st = runningStatus(pod, "127.0.0.1", "10.0.0.5", "2026-01-01T00:00:00.000Z");
    expect(st.phase).toBe("Running");
    expect(st.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(["PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True"]);
    expect(st.containerStatuses?.map((c) => [c.name, c.ready, c.restartCount, c.state?.running !== undefined])).toEqual([
      ["a", true, 0, true],
      ["b", true, 0, true],
    ]);
    expect(st).toMatchObject({ hostIP: "127.0.0.1", podIP: "10.0.0.5", podIPs: [{ ip: "10.0.0.5" }] });
    expect(isRunningReady({ ...pod, status: st })).toBe(true);
    expect(isRunningReady(pod)).toBe(false);
  });

  it("keeps an existing podIP and startTime", () => {
    const pod = { ...makePod("p"), status: { podIP: "10.9.9.9", startTime: "2025-01-01T00:00:00Z" } };
    const st = runningStatus(pod, "h", "10.0.0.1", "2026-01-01T00:00:00.000Z");
    expect(st.podIP).toBe("10.9.9.9");
    expect(st.startTime).toBe("2025-01-01T00:00:00Z");
  });
});
