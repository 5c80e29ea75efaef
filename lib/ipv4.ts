/** IPv4 addresses and CIDR ranges, for the Service IP range (API server, proxy, CLI flags). */

/** A parsed IPv4 range: `base` is the network address as a number. */
export interface Ipv4Range {
  base: number;
  size: number;
  bits: number;
  cidr: string;
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

/** Parse `a.b.c.d/bits` (host bits are cleared). @throws Error naming the bad text */
export function parseCidr(cidr: string): Ipv4Range {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  const ip = m ? ipToInt(m[1]) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(bits >= 0 && bits <= 32)) throw new Error(`invalid CIDR "${cidr}" (want an IPv4 range like 10.96.0.0/12)`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size, bits, cidr };
}

/** Is `ip` inside `cidr`? False for anything unparsable. */
export function cidrContains(cidr: string, ip: string): boolean {
  let r: Ipv4Range;
  try {
    r = parseCidr(cidr);
  } catch {
    return false;
  }
  const n = ipToInt(ip);
  return n !== undefined && n >= r.base && n < r.base + r.size;
}

/** Do two IPv4 ranges share any address? */
export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** `255.255.255.0` -> 24, or undefined for a non-contiguous or unparsable mask. */
export function netmaskBits(mask: string): number | undefined {
  const n = ipToInt(mask);
  if (n === undefined) return undefined;
  const bits = n.toString(2).padStart(32, "0");
  return /^1*0*$/.test(bits) ? bits.indexOf("0") === -1 ? 32 : bits.indexOf("0") : undefined;
}
