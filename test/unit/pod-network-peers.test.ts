/**
 * The pod network's pure parts: which route each other node's range needs (host-gw on-link,
 * VXLAN otherwise or when asked), and the scheduler keeping pods off a node whose network is
 * unavailable.
 */
import { describe, expect, it } from "vitest";
import { planPeers, vtepMac } from "../../kubelet/network/peers.js";
import { nodeReady } from "../../scheduler/plugins/node-ready.js";
import { SchedulerCache } from "../../scheduler/cache.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import type { Node } from "../../lib/types.js";
import { makeNode, makePod } from "../helpers/builders.js";

const node = (name: string, podCIDR: string | undefined, ip: string | undefined): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status: ip ? { addresses: [{ type: "InternalIP", address: ip }] } : {},
});

describe("planPeers", () => {
  const nodes = [
    node("a", "10.244.0.0/24", "192.168.1.1"),
    node("b", "10.244.1.0/24", "192.168.1.2"),
    node("c", "10.244.2.0/24", "192.168.2.3"),
    node("no-cidr", undefined, "192.168.1.9"),
    node("no-ip", "10.244.4.0/24", undefined),
    node("same-host", "10.244.5.0/24", "192.168.1.1"),
    node("loopback", "10.244.6.0/24", "127.0.0.3"),
  ];
  const local = new Set(["192.168.1.1"]);
  const onLink = (ip: string): boolean => ip.startsWith("192.168.1.");

  it("auto: host-gw to on-link peers, VXLAN to the others; skips itself, nodes without range or address, and nodes on this host", () => {
    const got = planPeers("a", nodes, "auto", local, onLink);
    expect(got.map((p) => [p.node, p.podCIDR, p.via, p.nodeIP])).toEqual([
      ["b", "10.244.1.0/24", "host-gw", "192.168.1.2"],
      ["c", "10.244.2.0/24", "vxlan", "192.168.2.3"],
    ]);
    expect(got[1]).toMatchObject({ vtepIP: "10.244.2.0", vtepMac: vtepMac("c") });
  });

  it("a forced mode applies to every peer", () => {
    expect(planPeers("a", nodes, "vxlan", local, onLink).map((p) => p.via)).toEqual(["vxlan", "vxlan"]);
    expect(planPeers("a", nodes, "host-gw", local, onLink).map((p) => p.via)).toEqual(["host-gw", "host-gw"]);
  });

  it("VTEP MACs are stable, unicast and locally administered", () => {
    expect(vtepMac("c")).toBe(vtepMac("c"));
    expect(vtepMac("c")).not.toBe(vtepMac("b"));
    expect(vtepMac("c")).toMatch(/^0e(:[0-9a-f]{2}){5}$/);
  });
});

describe("NodeReady and NetworkUnavailable", () => {
  const info = (n: Node) => {
    const cache = new SchedulerCache();
    cache.setNode(n);
    return cache.node(n.metadata.name!)!;
  };
  it("a node whose pod network is unavailable takes no pods; False or absent is fine", () => {
    const pod = buildPodInfo(makePod("p"));
    const base = makeNode("n1");
    const withNet = (status: "True" | "False"): Node => ({ ...base, status: { ...base.status, conditions: [...(base.status?.conditions ?? []), { type: "NetworkUnavailable", status, reason: "NoRouteCreated" }] } });
    expect(nodeReady(pod, info(base))).toBeNull();
    expect(nodeReady(pod, info(withNet("False")))).toBeNull();
    expect(nodeReady(pod, info(withNet("True")))).toEqual(["node(s) had network unavailable"]);
  });
});
