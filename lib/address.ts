/** Host addresses: listen flags, loopback checks, and this machine's own address. */
import os from "node:os";

/** Parse `host:port` / `[v6]:port` (an empty host means all addresses). @throws Error naming the bad text */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim());
  if (!m) throw new Error(`invalid listen address "${listen}" (want host:port)`);
  const host = m[1] ?? (m[2] || "0.0.0.0");
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in "${listen}"`);
  return { host, port };
}

/** True for 127.0.0.0/8, ::1 and `localhost` (brackets allowed). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\./.test(h) || h === "::ffff:127.0.0.1";
}

/** True for the wildcard addresses a server listens on to mean "every interface". */
export function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}

/**
 * This host's address as other machines see it: the first non-internal IPv4 address, skipping
 * container bridges and virtual interfaces (docker0, veth, ...); 127.0.0.1 when there is none.
 */
export function hostIPv4(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string {
  for (const [name, addrs] of Object.entries(ifaces)) {
    if (/^(docker|br-|veth|virbr|cni|flannel|lo)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}
