/**
 * Service ClusterIP allocation from an IPv4 CIDR. The allocator is stateless: the set of used
 * addresses is read from the stored Services in the same synchronous turn as the write, so an
 * allocation is part of the create/update transaction and a delete releases it for free.
 */

/** A parsed IPv4 range. */
export interface Ipv4Range {
  base: number;
  size: number;
  cidr: string;
}

/** Parse `10.96.0.0/12`. @throws Error on anything else */
export function parseCidr(cidr: string): Ipv4Range {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  const ip = m ? ipToInt(m[1]) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(bits >= 8 && bits <= 30)) throw new Error(`invalid service CIDR "${cidr}" (want an IPv4 a.b.c.d/8..30)`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size, cidr };
}

/** `10.96.0.1` -> number, or undefined when not a dotted quad. */
export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
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
