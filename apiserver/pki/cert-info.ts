/**
 * Reading certificates with Node's own X509Certificate (OpenSSL), for the checks every start makes
 * (is the stored leaf still good? how long until it expires?). Issuing needs @peculiar/x509
 * (x509.ts), the largest part of the bundle (~760 KB of JavaScript to compile): a restart whose
 * certificates are all still valid never loads it.
 */
import { X509Certificate } from "node:crypto";

/** What the start-up checks read from a certificate. */
export interface CertInfo {
  /** the subject's common name */
  commonName?: string;
  /** DNS names and IP addresses of subjectAltName (IPv6 in its short form) */
  sans: string[];
  notAfter: Date;
}

/** The canonical text of an IP literal or DNS name, so that `::1` and `0:0:0:0:0:0:0:1` compare equal. */
export function canonicalName(s: string): string {
  if (!s.includes(":")) return s.toLowerCase();
  try {
    return new URL(`http://[${s}]/`).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return s.toLowerCase();
  }
}

/** Parse a PEM certificate. @throws Error when it is not one */
export function certInfo(pem: string): CertInfo {
  const c = new X509Certificate(pem);
  const cn = c.subject.split("\n").find((l) => l.startsWith("CN="))?.slice(3);
  const sans = (c.subjectAltName ?? "")
    .split(", ")
    .flatMap((e) => (e.startsWith("DNS:") ? [e.slice(4)] : e.startsWith("IP Address:") ? [canonicalName(e.slice(11))] : []));
  return { ...(cn !== undefined ? { commonName: cn } : {}), sans, notAfter: new Date(c.validTo) };
}

/** True when `certPem` was signed by the CA of `caPem` (issuer name and signature both checked). */
export function signedBy(certPem: string, caPem: string): boolean {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}
