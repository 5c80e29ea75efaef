/**
 * The start-up check of the node IPAM controller: a cluster CIDR may not overlap the Service
 * range or a network this host is on (pods would shadow real machines or service IPs).
 */
import os from "node:os";
import { netmaskBits, parseCidr, rangesOverlap, intToIp, ipToInt } from "../../lib/ipv4.js";

/** Interfaces kctl made itself (a node's pod bridge, the overlay device): their ranges are ours. */
export const KCTL_INTERFACE_PREFIX = "kctl";

/** One network this host is on, as `name`: `cidr`. */
export interface HostNetwork {
  name: string;
  cidr: string;
}

/** This host's IPv4 networks, loopback and kctl's own interfaces left out. */
export function hostNetworks(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): HostNetwork[] {
  const out: HostNetwork[] = [];
  for (const [name, addrs] of Object.entries(ifaces)) {
    if (name.startsWith(KCTL_INTERFACE_PREFIX)) continue;
    for (const a of addrs ?? []) {
      if (a.family !== "IPv4" || a.internal) continue;
      const bits = netmaskBits(a.netmask) ?? 32;
      const ip = ipToInt(a.address) ?? 0;
      const size = 2 ** (32 - bits);
      out.push({ name, cidr: `${intToIp(ip - (ip % size))}/${bits}` });
    }
  }
  return out;
}

/**
 * Why `clusterCidr` cannot be used, naming both ranges, or undefined when it can.
 * @throws Error for an unparsable CIDR (the message names it)
 */
export function clusterCidrConflict(clusterCidr: string, serviceCidr: string | undefined, networks: HostNetwork[]): string | undefined {
  const cluster = parseCidr(clusterCidr);
  if (serviceCidr && rangesOverlap(cluster, parseCidr(serviceCidr))) {
    return `cluster CIDR ${clusterCidr} overlaps the service CIDR ${serviceCidr}`;
  }
  for (const n of networks) {
    if (rangesOverlap(cluster, parseCidr(n.cidr))) return `cluster CIDR ${clusterCidr} overlaps the host network ${n.cidr} on ${n.name}`;
  }
  return undefined;
}
