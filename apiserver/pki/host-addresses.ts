/** Every name and address this host answers on: what the serving certificate must cover. */
import os from "node:os";

/**
 * Link-local addresses (IPv6 fe80::/10, IPv4 169.254/16) are left out: they are scoped to one
 * link, so no client reaches the API server through them, and every container's veth brings a
 * new one, which would make each restart re-issue the certificate.
 */
function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address) || address.startsWith("169.254.");
}

/** Loopback names plus the host name and every interface address (IPv6 zone ids dropped; link-local left out). */
export function hostAddresses(): string[] {
  const out = new Set(["localhost", "127.0.0.1", "::1"]);
  const host = os.hostname().toLowerCase();
  if (host) out.add(host);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      const address = a.address.replace(/%.*$/, "");
      if (!isLinkLocal(address)) out.add(address);
    }
  }
  return [...out];
}
