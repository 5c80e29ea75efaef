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

/** The interface holding `ip` (the overlay's underlay) and its MTU, if any. */
async function deviceOf(run: HostRunner, ip: string): Promise<{ ifname: string; mtu?: number } | undefined> {
  const links = JSON.parse(await run("ip", ["-j", "-4", "addr", "show"])) as { ifname: string; mtu?: number; addr_info?: { local?: string }[] }[];
  return links.find((l) => l.addr_info?.some((a) => a.local === ip));
}

/** What VXLAN adds to every packet: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 bytes. */
export const VXLAN_OVERHEAD = 50;

/**
 * The MTU pods get when some peer may be reached through the overlay (modes vxlan and auto): the
 * underlay's MTU (the interface holding the node IP) minus {@link VXLAN_OVERHEAD}, 1450 when it
 * cannot be read. With the engine's 1500 on a 1500 link, every full-size segment a pod sent to
 * an overlay peer was refused by the host (IpFragFails, ICMP "fragmentation needed") and resent
 * after path-MTU discovery, and UDP datagrams of 1423-1472 bytes were dropped until the sender
 * learnt the path MTU. flannel's VXLAN backend gives its pods the device's MTU likewise.
 */
export async function overlayPodMtu(run: HostRunner, nodeIP: string): Promise<number> {
  const dev = await deviceOf(run, nodeIP).catch(() => undefined);
  return dev?.mtu ? dev.mtu - VXLAN_OVERHEAD : 1500 - VXLAN_OVERHEAD;
}

/**
 * This host's VXLAN device for the overlay, created on first use (its MAC is the node's VTEP
 * MAC). It is bound to the interface holding the node IP, so the kernel gives it that MTU minus
 * the 50 bytes of encapsulation: encapsulated packets are never fragmented on the wire (without
 * it the device kept 1500 and overlay throughput fell to a quarter of the floor). The outer UDP
 * checksum is off (`noudpcsum`, as RFC 7348 says for IPv4: the inner TCP/UDP checksum covers the
 * payload): with it on, a segment cut in software also has its outer checksum computed in
 * software (on the lab, 11 interleaved iperf3 pairs gave medians of 322 vs
 * 328 MiB/s: within the noise there, it matters where the CPU is the limit). A device left by an
 * older agent with the checksum on is made again (routes, neighbours, fdb follow in syncRoutes).
 */
export async function ensureVxlan(run: HostRunner, node: string, podCIDR: string, nodeIP: string): Promise<void> {
  type Shown = { linkinfo?: { info_data?: { udp_csum?: boolean } } }[];
  const shown = await run("ip", ["-d", "-j", "link", "show", VXLAN_DEVICE]).then(
    (out) => parseOr<Shown>(out, []),
    () => undefined, // no such device
  );
  let exists = shown !== undefined;
  if (exists && shown?.[0]?.linkinfo?.info_data?.udp_csum === true) {
    await run("ip", ["link", "del", VXLAN_DEVICE]);
    exists = false;
  }
  if (!exists) {
    const dev = await deviceOf(run, nodeIP);
    await run("ip", ["link", "add", VXLAN_DEVICE, "address", vtepMac(node), "type", "vxlan", "id", String(VXLAN_VNI), "local", nodeIP, ...(dev ? ["dev", dev.ifname] : []), "dstport", String(VXLAN_PORT), "nolearning", "noudpcsum"]);
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

/** `ip -j` output, or `fallback` when it is not JSON (an `ip` without -j support prints nothing). */
function parseOr<T>(out: string, fallback: T): T {
  try {
    return JSON.parse(out) as T;
  } catch {
    return fallback;
  }
}
