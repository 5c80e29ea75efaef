/**
 * Service ClusterIP allocation from an IPv4 CIDR. The allocator is stateless: the set of used
 * addresses is read from the stored Services in the same synchronous turn as the write, so an
 * allocation is part of the create/update transaction and a delete releases it for free.
 */

import { intToIp, ipToInt, parseCidr as parseIpv4Cidr, type Ipv4Range } from "../../lib/ipv4.js";

export { ipToInt, type Ipv4Range };

/** Parse the Service range: an IPv4 `a.b.c.d/8..30`. @throws Error on anything else */
export function parseCidr(cidr: string): Ipv4Range {
  let r: Ipv4Range | undefined;
  try {
    r = parseIpv4Cidr(cidr);
  } catch {
    r = undefined;
  }
  if (!r || r.bits < 8 || r.bits > 30) throw new Error(`invalid service CIDR "${cidr}" (want an IPv4 a.b.c.d/8..30)`);
  return r;
}

/** Whether `ip` is a usable host address of the range (not the network or broadcast address). */
export function inRange(r: Ipv4Range, ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && n > r.base && n < r.base + r.size - 1;
}

/**
 * The first free address, skipping the network address and `.1` (kept for the `kubernetes`
 * Service, as in Kubernetes). Undefined when the range is full.
 */
export function allocateIp(r: Ipv4Range, used: ReadonlySet<string>): string | undefined {
  for (let off = 2; off < r.size - 1; off++) {
    const ip = intToIp(r.base + off);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
