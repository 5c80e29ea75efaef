/**
 * Leaf certificates signed by the cluster CA: the API server's serving certificate (re-issued on
 * rotation, when it nears expiry, or when a new address must be covered), the API server's client
 * certificate for kubelets, and kubelet serving certificates signed from a node's CSR.
 */
import path from "node:path";
import { nodeCommonName } from "../../lib/pki-names.js";
import { pkiDir, readIfExists, writePair } from "./files.js";
import { canonicalName, certInfo, signedBy, type CertInfo } from "./cert-info.js";
import type { CertAndKey, SigningCA } from "./x509.js";

/** The X.509 toolkit, loaded on the first certificate issued or signed (not on a restart that issues none). */
const toolkit = () => import("./x509.js");

/** Leaf validity (as kubeadm and k3s: one year, rotated before it ends). */
export const LEAF_VALID_DAYS = 365;
/** Re-issue a leaf automatically this close to expiry (k3s renews within 90 days at start). */
export const RENEW_BEFORE_DAYS = 30;

/** CN of the API server's serving certificate. */
export const SERVING_CN = "kctl-apiserver";
export { KUBELET_CLIENT_CN, nodeCommonName } from "../../lib/pki-names.js";

/** Why an existing leaf must be re-issued, or undefined when it is fine. */
function staleReason(pem: string, ca: SigningCA, cn: string, sans: string[], now: Date): string | undefined {
  let cert: CertInfo;
  try {
    cert = certInfo(pem);
    if (!signedBy(pem, ca.certPem)) return "signed by another CA";
  } catch {
    return "unreadable";
  }
  if (cert.commonName !== cn) return "other name";
  if (cert.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * 86_400_000) return "near expiry";
  const have = new Set(cert.sans);
  const missing = sans.filter((s) => !have.has(canonicalName(s)));
  return missing.length ? `new addresses ${missing.join(", ")}` : undefined;
}

/** A fresh key and a certificate for it signed by `ca`. */
export async function issueLeaf(ca: SigningCA, cn: string, sans: string[], usages: ("server" | "client")[], now: Date): Promise<CertAndKey> {
  const { generateKeyPair, issue, privateKeyPem } = await toolkit();
  const keys = await generateKeyPair();
  const cert = await issue({ commonName: cn, sans, usages, now, validDays: LEAF_VALID_DAYS }, keys.publicKey, { ca });
  return { certPem: cert.toString("pem") + "\n", keyPem: (await privateKeyPem(keys.privateKey)) + "\n" };
}

/** Result of {@link ensureLeaf}: the pair, and why it was (re-)issued, if it was. */
export interface LeafResult extends CertAndKey {
  issued?: string;
}

/**
 * DIR/pki/<certName>,<keyName>: reuse when valid for `cn` + `sans` and not near expiry; otherwise
 * (or when `rotate`) issue a new one with a new key.
 */
export async function ensureLeaf(
  dataDir: string,
  ca: SigningCA,
  files: { cert: string; key: string },
  cn: string,
  sans: string[],
  usages: ("server" | "client")[],
  opts: { now: Date; rotate?: boolean },
): Promise<LeafResult> {
  const dir = pkiDir(dataDir);
  const certPem = readIfExists(path.join(dir, files.cert));
  const keyPem = readIfExists(path.join(dir, files.key));
  const why = opts.rotate ? "rotation requested" : !certPem || !keyPem ? "first start" : staleReason(certPem, ca, cn, sans, opts.now);
  if (!why && certPem && keyPem) return { certPem, keyPem };
  // New addresses are added to those the old certificate had, not swapped for them: a bridge that
  // is up only while containers run (docker0, the pod bridges) would otherwise re-issue the
  // certificate on every other start (k3s' listener keeps its SANs the same way).
  const kept = why?.startsWith("new addresses") && certPem ? certInfo(certPem).sans : [];
  const pair = await issueLeaf(ca, cn, [...new Set([...sans, ...kept])], usages, opts.now);
  writePair(dir, files.cert, files.key, pair);
  return { ...pair, issued: why };
}

/**
 * Sign a node's PKCS#10 request as its kubelet serving certificate. The name and addresses come
 * from the (authenticated) join request, never from the CSR's own subject, so a node cannot ask
 * for another node's name.
 * @throws Error when the CSR is malformed or its self-signature does not verify
 */
export async function signKubeletCsr(ca: SigningCA, csrPem: string, nodeName: string, addresses: string[], now: Date): Promise<string> {
  const { issue, x509 } = await toolkit();
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error("the certificate request's signature does not verify");
  const cert = await issue(
    { commonName: nodeCommonName(nodeName), sans: [nodeName, ...addresses], usages: ["server"], now, validDays: LEAF_VALID_DAYS },
    csr.publicKey,
    { ca },
  );
  return cert.toString("pem") + "\n";
}

/** A PKCS#10 request (PEM) for a fresh key, and the key (PEM): the agent side of a join. */
export async function createCsr(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const { EC_ALG, generateKeyPair, privateKeyPem, x509 } = await toolkit();
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${nodeCommonName(nodeName)}`, keys, signingAlgorithm: EC_ALG });
  return { csrPem: csr.toString("pem") + "\n", keyPem: (await privateKeyPem(keys.privateKey)) + "\n" };
}
