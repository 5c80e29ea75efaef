/**
 * The cluster PKI in the data dir (see README.md): one CA, the API server's serving certificate
 * and its client certificate for kubelets. `ensurePki` runs before the API server listens.
 */
import { ensureCA } from "./ca.js";
import { CA_CERT, KUBELET_CLIENT_CERT, KUBELET_CLIENT_KEY, PKI_DIR, SERVING_CERT, SERVING_KEY } from "./files.js";
import { hostAddresses } from "./host-addresses.js";
import { ensureLeaf, KUBELET_CLIENT_CN, SERVING_CN } from "./leaf.js";
import type { CertAndKey, SigningCA } from "./x509.js";

export { expiryWarning, daysLeft, EXPIRY_WARNING_DAYS } from "./expiry.js";
export { hostAddresses } from "./host-addresses.js";
export { createCsr, ensureLeaf, issueLeaf, KUBELET_CLIENT_CN, nodeCommonName, signKubeletCsr } from "./leaf.js";
export type { CertAndKey, SigningCA } from "./x509.js";
export { certInfo, type CertInfo } from "./cert-info.js";
export { CA_CERT, PKI_DIR, SERVING_CERT, SERVING_KEY };

/** The PKI a running API server holds. */
export interface Pki {
  ca: SigningCA;
  /** the CA certificate exactly as stored (and served on /cacerts; the join token hashes it) */
  caPem: string;
  serving: CertAndKey;
  kubeletClient: CertAndKey;
  /** what was (re-)issued on this start and why, for the log */
  issued: string[];
}

export interface PkiOptions {
  /** extra subjectAltNames (`--tls-san`) */
  sans?: string[];
  /** re-issue the serving certificate even if it is valid (`--rotate-certs`); the CA stays */
  rotate?: boolean;
  /** injectable clock (expiry tests) */
  now?: Date;
}

/** Load or create the CA, then the serving and kubelet-client certificates. */
export async function ensurePki(dataDir: string, opts: PkiOptions = {}): Promise<Pki> {
  const now = opts.now ?? new Date();
  const ca = await ensureCA(dataDir, now);
  const sans = [...new Set([...hostAddresses(), ...(opts.sans ?? []).map((s) => s.trim().toLowerCase()).filter(Boolean)])];
  const issued: string[] = [];
  const serving = await ensureLeaf(dataDir, ca, { cert: SERVING_CERT, key: SERVING_KEY }, SERVING_CN, sans, ["server"], { now, rotate: opts.rotate });
  if (serving.issued) issued.push(`serving certificate (${serving.issued})`);
  const kubeletClient = await ensureLeaf(dataDir, ca, { cert: KUBELET_CLIENT_CERT, key: KUBELET_CLIENT_KEY }, KUBELET_CLIENT_CN, [], ["client"], { now, rotate: opts.rotate });
  if (kubeletClient.issued) issued.push(`kubelet client certificate (${kubeletClient.issued})`);
  return { ca, caPem: ca.certPem, serving, kubeletClient, issued };
}
