/** Every name and address this host answers on: what the serving certificate must cover. */
import os from "node:os";

/** Loopback names plus the host name and every interface address (IPv6 zone ids dropped). */
export function hostAddresses(): string[] {
  const out = new Set(["localhost", "127.0.0.1", "::1"]);
  const host = os.hostname().toLowerCase();
  if (host) out.add(host);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) out.add(a.address.replace(/%.*$/, ""));
  }
  return [...out];
}

