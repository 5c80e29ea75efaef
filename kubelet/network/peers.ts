/**
 * Which route each other node's pod range needs (pure): `host-gw` (a plain route via the peer's
 * InternalIP, for peers on this host's L2 segment) or `vxlan` (through the overlay device, for
 * peers behind a router). Nodes without a podCIDR or an InternalIP get nothing yet; nodes whose
 * address is this host's own (several agents on one machine) need nothing: their bridges are here.
 */
import { createHash } from "node:crypto";
import { intToIp, parseCidr } from "../../lib/ipv4.js";
import type { Node } from "../../lib/types.js";

/** How pod ranges of other hosts are reached: a flag of `kctl agent`. */
export type RoutingMode = "host-gw" | "vxlan" | "auto";

/** One other node's pod range and how to reach it. */
export interface PeerRoute {
  node: string;
  podCIDR: string;
  nodeIP: string;
  via: "host-gw" | "vxlan";
  /** the peer's VTEP: its overlay address (podCIDR's network address) and MAC */
  vtepIP: string;
  vtepMac: string;
}

/** A node's InternalIP. */
export function internalIP(n: Node): string | undefined {
  return n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/**
 * The VTEP MAC of `node`: derived from its name (locally administered, unicast), so peers know it
 * without publishing anything.
 */
export function vtepMac(node: string): string {
  const h = createHash("sha256").update(`kctl-vxlan:${node}`).digest();
  return ["0e", ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** The overlay address of a node: its pod range's network address (flannel's `.0/32`). */
export function vtepIP(podCIDR: string): string {
  return intToIp(parseCidr(podCIDR).base);
}

/**
 * The routes this node needs to the other nodes' pod ranges.
 * @param onLink is `ip` reachable without a gateway from here (asked only in `auto` mode)
 */
export function planPeers(self: string, nodes: readonly Node[], mode: RoutingMode, localIPs: ReadonlySet<string>, onLink: (ip: string) => boolean): PeerRoute[] {
  const out: PeerRoute[] = [];
  for (const n of nodes) {
    const name = n.metadata.name ?? "";
    const podCIDR = n.spec?.podCIDR;
    const ip = internalIP(n);
    if (name === self || !podCIDR || !ip || localIPs.has(ip) || ip.startsWith("127.")) continue;
    const via = mode === "auto" ? (onLink(ip) ? "host-gw" : "vxlan") : mode;
    out.push({ node: name, podCIDR, nodeIP: ip, via, vtepIP: vtepIP(podCIDR), vtepMac: vtepMac(name) });
  }
  return out.sort((a, b) => a.podCIDR.localeCompare(b.podCIDR));
}
