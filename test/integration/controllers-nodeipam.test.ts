/**
 * Node IPAM against a real API server: every Node gets its own /24 of the cluster CIDR in
 * spec.podCIDR(s), a deleted node's range is handed out again, ranges a node already carries are
 * respected after a restart, and a cluster CIDR overlapping the service range or a host network
 * is refused at start (library and real CLI), naming both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControllerManager, type ControllerManager } from "../../controllers/index.js";
import { hostNetworks } from "../../controllers/nodeipam/host-networks.js";
import { CidrSet } from "../../controllers/nodeipam/cidr-set.js";
import type { Node } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";
import { kctl } from "../helpers/cli.js";
import { logger } from "./controllers-harness.js";

let server: TestServer;
let cm: ControllerManager | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await cm?.stop();
  await server?.close();
});

const node = (name: string, podCIDR?: string): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name }, ...(podCIDR ? { spec: { podCIDR, podCIDRs: [podCIDR] } } : {}) });
const cidrOf = async (name: string): Promise<string | undefined> => (await server.client.get<Node>("Node", name)).spec?.podCIDR;

describe("node IPAM controller", () => {
  it("assigns distinct /24s, keeps pre-assigned ones, and reuses a deleted node's range", async () => {
    // A node that already carries a range (an earlier controller gave it): never handed out again.
    await server.client.create(node("ipam-pre", "10.250.0.0/24"));
    cm = await startControllerManager({ client: server.client, logger, clusterCidr: "10.250.0.0/16", serviceCidr: "10.96.0.0/12" });
    for (const n of ["ipam-a", "ipam-b", "ipam-c"]) await server.client.create(node(n));
    const got = await eventually("every node has a pod CIDR", async () => {
      const all = await Promise.all(["ipam-pre", "ipam-a", "ipam-b", "ipam-c"].map(cidrOf));
      return all.every(Boolean) ? (all as string[]) : undefined;
    });
    expect(got[0]).toBe("10.250.0.0/24");
    expect(new Set(got).size).toBe(4);
    for (const c of got) expect(c).toMatch(/^10\.250\.\d+\.0\/24$/);
    const a = await server.client.get<Node>("Node", "ipam-a");
    expect(a.spec?.podCIDRs).toEqual([a.spec?.podCIDR]);

    // Deleting a node frees its range: the next new node gets the lowest free one, which is it.
    const freed = a.spec?.podCIDR ?? "";
    await server.client.delete("Node", "ipam-a");
    await server.client.create(node("ipam-d"));
    expect(await eventually("ipam-d assigned", () => cidrOf("ipam-d"))).toBe(freed);

    // A restarted controller records what is in use before handing out anything.
    await cm.stop();
    cm = await startControllerManager({ client: server.client, logger, clusterCidr: "10.250.0.0/16", serviceCidr: "10.96.0.0/12" });
    await server.client.create(node("ipam-e"));
    const e = await eventually("ipam-e assigned", () => cidrOf("ipam-e"));
    const now = await Promise.all(["ipam-pre", "ipam-b", "ipam-c", "ipam-d", "ipam-e"].map(cidrOf));
    expect(new Set(now).size).toBe(5);
    expect(e).toMatch(/^10\.250\.\d+\.0\/24$/);
  });

  it("refuses a cluster CIDR overlapping the service CIDR, naming both", async () => {
    await expect(startControllerManager({ client: server.client, logger, clusterCidr: "10.96.0.0/16", serviceCidr: "10.96.0.0/12" })).rejects.toThrow(
      "cluster CIDR 10.96.0.0/16 overlaps the service CIDR 10.96.0.0/12",
    );
    const r = await kctl(["server", "--data-dir", `${server.dataDir}/refused`, "--listen", "127.0.0.1:0", "--cluster-cidr", "10.100.0.0/14", "--service-cidr", "10.96.0.0/12"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("error: cluster CIDR 10.100.0.0/14 overlaps the service CIDR 10.96.0.0/12: choose another --cluster-cidr");
  });

  it("refuses a cluster CIDR overlapping a network of this host, naming it", async () => {
    const net = hostNetworks()[0];
    expect(net, "this machine has a non-loopback IPv4 network").toBeDefined();
    const r = await kctl(["controller-manager", "--server", server.url, "--token", server.token, "--cluster-cidr", net!.cidr]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`error: cluster CIDR ${net!.cidr} overlaps the host network ${net!.cidr} on ${net!.name}: choose another --cluster-cidr`);
  });

  it("cuts the cluster CIDR into equal ranges and runs out cleanly", () => {
    const set = new CidrSet("10.1.0.0/23", 24);
    expect(set.allocate("a")).toBe("10.1.0.0/24");
    expect(set.allocate("a")).toBe("10.1.0.0/24");
    expect(set.allocate("b")).toBe("10.1.1.0/24");
    expect(set.allocate("c")).toBeUndefined();
    expect(set.occupy("10.1.1.0/24", "c")).toEqual({ heldBy: "b" });
    expect(set.occupy("10.2.0.0/24", "c")).toBe("outside");
    expect(set.releaseNode("b")).toEqual(["10.1.1.0/24"]);
    expect(set.allocate("c")).toBe("10.1.1.0/24");
  });
});
