/**
 * Who may call the kubelet server: over HTTPS (the default for joined nodes) only a TLS client
 * certificate signed by the cluster CA with the API server's kubelet-client name; over plain HTTP
 * (legacy, tests) a bearer token.
 */
import { timingSafeEqual } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { KUBELET_CLIENT_CN } from "../../lib/pki-names.js";

/** True when the TLS peer presented a CA-verified certificate issued to the API server. */
export function peerIsApiServer(socket: unknown): boolean {
  const tls = socket as Partial<TLSSocket>;
  if (!tls || typeof tls.getPeerCertificate !== "function" || !tls.authorized) return false;
  const cert = tls.getPeerCertificate();
  const cn = cert?.subject?.CN;
  return (Array.isArray(cn) ? cn[0] : cn) === KUBELET_CLIENT_CN;
}

/** True when `header` is `Bearer <token>` (constant-time comparison). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const got = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}
