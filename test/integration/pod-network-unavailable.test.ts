/**
 * A node whose pod routes cannot be installed says so instead of half-working: against a real API
 * server and the real Docker engine (the pod bridge is really made), with host commands that
 * refuse `ip route replace` as a process without CAP_NET_ADMIN would, the node's pod network
 * reports NetworkUnavailable=True (NoRouteCreated, naming the failed command) and refuses
 * sandboxes; once routes can be installed it turns False. No host route or rule is touched here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PodNetwork } from "../../kubelet/network/pod-network.js";
import { removePodBridges } from "../../kubelet/network/pod-bridge.js";
import type { HostRunner } from "../../kubelet/network/host-commands.js";
import type { Node } from "../../lib/types.js";
import { silentLogger } from "../../lib/logger.js";
import { docker, runId } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
const self = runId("netfail");
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await removePodBridges(docker(), self);
  await server?.close();
});

describe("pod network that cannot install its routes", () => {
  it("reports NetworkUnavailable with the reason, refuses sandboxes, and recovers", async () => {
    const mk = (name: string, podCIDR: string): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: { podCIDR, podCIDRs: [podCIDR] } });
    await server.client.create(mk(self, "10.251.0.0/24"));
    const peer = await server.client.create(mk(`${self}-peer`, "10.251.1.0/24"));
    await server.client.updateStatus<Node>({ ...peer, status: { addresses: [{ type: "InternalIP", address: "192.0.2.202" }] } });

    let permitted = false;
    const calls: string[] = [];
    const run: HostRunner = async (cmd, args) => {
      const line = `${cmd} ${args.join(" ")}`;
      calls.push(line);
      if (line.startsWith("ip route replace") && !permitted) throw new Error(`${line}: RTNETLINK answers: Operation not permitted`);
      if (line.startsWith("ip -j route get")) return '[{"dst":"192.0.2.202","dev":"eth0"}]';
      if (line.startsWith("ip -j route show")) return "[]";
      if (args.includes("-C")) throw new Error(`${line}: Bad rule (does a matching rule exist in that chain?)`);
      return "";
    };
    const net = new PodNetwork({ client: server.client, docker: docker(), nodeName: self, nodeIP: "192.0.2.201", clusterCidr: "10.251.0.0/16", mode: "auto", logger: silentLogger(), run, hostChanges: true });
    await net.start();
    await net.syncNow();
    try {
      const cond = net.condition(undefined, new Date().toISOString());
      expect(cond).toMatchObject({ type: "NetworkUnavailable", status: "True", reason: "NoRouteCreated" });
      expect(cond.message).toBe("ip route replace 10.251.1.0/24 via 192.0.2.202 proto 107: RTNETLINK answers: Operation not permitted");
      expect(() => net.sandboxNetwork()).toThrow(`network is not ready: ${cond.message}`);
      // the bridge itself was made, with the node's range, labelled as kctl's
      const info = await docker().getNetwork(`kctl-pods-${self}`).inspect();
      expect(info.IPAM?.Config?.[0]?.Subnet).toBe("10.251.0.0/24");
      expect(info.Labels).toMatchObject({ "kctl.io/managed": "true", "kctl.io/node": self, "kctl.io/pod-cidr": "10.251.0.0/24" });
      expect(info.Options?.["com.docker.network.bridge.enable_ip_masquerade"]).toBe("false");
      // masquerade only what leaves the cluster CIDR, with kctl's comment
      expect(calls).toContain("iptables -w -t nat -I KCTL-POSTROUTING 1 -s 10.251.0.0/24 -d 10.251.0.0/16 -m comment --comment kctl pod network -j RETURN");
      expect(calls).toContain("iptables -w -t nat -A KCTL-POSTROUTING -s 10.251.0.0/24 -m comment --comment kctl pod network -j MASQUERADE");

      permitted = true;
      await net.syncNow();
      expect(net.condition(undefined, new Date().toISOString())).toMatchObject({ status: "False", reason: "RouteCreated" });
      expect(net.sandboxNetwork()).toBe(`kctl-pods-${self}`);
    } finally {
      await net.stop();
    }
  }, 30_000);

  it("a node on a loopback address (one machine, no overlay peers) keeps the engine's MTU, not loopback's", async () => {
    const name = `${self}-lo`;
    await server.client.create<Node>({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: { podCIDR: "10.251.9.0/24", podCIDRs: ["10.251.9.0/24"] } });
    const run: HostRunner = async (cmd, args) => (cmd === "ip" && args.includes("-j") ? "[]" : "");
    const net = new PodNetwork({ client: server.client, docker: docker(), nodeName: name, nodeIP: "127.0.0.1", clusterCidr: "10.251.0.0/16", mode: "auto", logger: silentLogger(), run, hostChanges: true });
    await net.start();
    await net.syncNow();
    try {
      expect(net.sandboxNetwork()).toBe(`kctl-pods-${name}`);
      const info = await docker().getNetwork(`kctl-pods-${name}`).inspect();
      expect(info.Options?.["com.docker.network.driver.mtu"]).toBeUndefined();
    } finally {
      await net.stop();
      await removePodBridges(docker(), name);
    }
  }, 30_000);
});
