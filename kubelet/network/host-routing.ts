/**
 * Applies the peer plan (peers.ts) to this host: host-gw routes `ip route replace CIDR via IP
 * proto 107`, or for overlay peers a route through `kctl.vxlan` plus the ARP (neigh) and
 * forwarding (fdb) entries that send it to the peer's address; kctl routes that are not in the
 * plan any more (a node left) are deleted. Only routes with kctl's protocol number are touched.
 */
import type { Logger } from "../../lib/logger.js";
import { KCTL_ROUTE_PROTO, VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, type HostRunner } from "./host-commands.js";
import { vtepIP, vtepMac, type PeerRoute } from "./peers.js";

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** Is `ip` reachable from this host without a gateway? */
export async function isOnLink(run: HostRunner, ip: string): Promise<boolean> {
  const routes = JSON.parse(await run("ip", ["-j", "route", "get", ip])) as IpRoute[];
  return routes.length > 0 && !routes[0]!.gateway;
}

/** The interface holding `ip` (the overlay's underlay), if any. */
async function deviceOf(run: HostRunner, ip: string): Promise<string | undefined> {
  const links = JSON.parse(await run("ip", ["-j", "-4", "addr", "show"])) as { ifname: string; addr_info?: { local?: string }[] }[];
  return links.find((l) => l.addr_info?.some((a) => a.local === ip))?.ifname;
}

/**
 * This host's VXLAN device for the overlay, created on first use (its MAC is the node's VTEP
 * MAC). It is bound to the interface holding the node IP, so the kernel gives it that MTU minus
 * the 50 bytes of encapsulation: encapsulated packets are never fragmented on the wire (without
 * it the device kept 1500 and overlay throughput fell to a quarter of the floor).
 */
export async function ensureVxlan(run: HostRunner, node: string, podCIDR: string, nodeIP: string): Promise<void> {
  const exists = await run("ip", ["-j", "link", "show", VXLAN_DEVICE]).then(() => true, () => false);
  if (!exists) {
    const dev = await deviceOf(run, nodeIP);
    await run("ip", ["link", "add", VXLAN_DEVICE, "address", vtepMac(node), "type", "vxlan", "id", String(VXLAN_VNI), "local", nodeIP, ...(dev ? ["dev", dev] : []), "dstport", String(VXLAN_PORT), "nolearning"]);
  }
  await run("ip", ["addr", "replace", `${vtepIP(podCIDR)}/32`, "dev", VXLAN_DEVICE]);
  await run("ip", ["link", "set", VXLAN_DEVICE, "up"]);
}

/** Make the host's kctl routes equal the plan; resolves with what changed (for the log). */
export async function syncRoutes(run: HostRunner, peers: readonly PeerRoute[], logger: Logger): Promise<{ added: string[]; removed: string[] }> {
  const current = JSON.parse(await run("ip", ["-j", "route", "show", "proto", KCTL_ROUTE_PROTO])) as IpRoute[];
  const added: string[] = [];
  for (const p of peers) {
    const have = current.find((r) => r.dst === p.podCIDR);
    if (p.via === "host-gw") {
      if (have?.gateway === p.nodeIP && have.dev !== VXLAN_DEVICE) continue;
      await run("ip", ["route", "replace", p.podCIDR, "via", p.nodeIP, "proto", KCTL_ROUTE_PROTO]);
    } else {
      await run("ip", ["neigh", "replace", p.vtepIP, "lladdr", p.vtepMac, "dev", VXLAN_DEVICE, "nud", "permanent"]);
      await run("bridge", ["fdb", "replace", p.vtepMac, "dev", VXLAN_DEVICE, "dst", p.nodeIP, "self", "permanent"]);
      if (have?.gateway === p.vtepIP && have.dev === VXLAN_DEVICE) continue;
      await run("ip", ["route", "replace", p.podCIDR, "via", p.vtepIP, "dev", VXLAN_DEVICE, "onlink", "proto", KCTL_ROUTE_PROTO]);
    }
    added.push(`${p.podCIDR} ${p.via} ${p.nodeIP}`);
  }
  const removed: string[] = [];
  for (const r of current) {
    if (peers.some((p) => p.podCIDR === r.dst)) continue;
    await run("ip", ["route", "del", r.dst, "proto", KCTL_ROUTE_PROTO]).catch((err: unknown) => logger.warn({ err: (err as Error).message }, "could not delete a stale pod route"));
    if (r.dev === VXLAN_DEVICE && r.gateway) await run("ip", ["neigh", "del", r.gateway, "dev", VXLAN_DEVICE]).catch(() => undefined);
    removed.push(r.dst);
  }
  return { added, removed };
}

/** Remove every kctl route and the overlay device. */
export async function removeRouting(run: HostRunner): Promise<void> {
  await run("ip", ["route", "flush", "proto", KCTL_ROUTE_PROTO]).catch(() => undefined);
  await run("ip", ["link", "del", VXLAN_DEVICE]).catch(() => undefined);
}
