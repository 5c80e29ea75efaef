/**
 * The small X.509 toolkit the PKI needs, on top of @peculiar/x509 and Node's WebCrypto: EC P-256
 * key pairs, PEM in and out, and one `issue()` that signs a certificate (self-signed or by a CA).
 * All keys are ECDSA P-256: small certificates and cheap TLS handshakes (see bench/tls.ts).
 */
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

// @peculiar/x509 uses the global WebCrypto provider; Node's is complete, set it once.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

/** ECDSA P-256 with SHA-256: the key and signature algorithm of every kctl certificate. */
export const EC_ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** A key pair usable for signing (both halves extractable so they can be written as PEM). */
export type KeyPair = webcrypto.CryptoKeyPair;

/** A certificate with its private key, both as PEM (what node:tls and the files want). */
export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/**
 * A CA that can sign: its PEMs. The certificate is parsed and the key imported when something is
 * signed, so loading the CA at start needs none of this module (see cert-info.ts).
 */
export type SigningCA = CertAndKey;

/** What goes into a certificate. */
export interface CertSpec {
  /** common name, e.g. `kctl-apiserver` or `system:node:n1` */
  commonName: string;
  /** DNS names and IP addresses (IPv4/IPv6 text) for the subjectAltName extension */
  sans?: string[];
  /** CA certificate (basicConstraints cA, keyCertSign) instead of a leaf */
  isCA?: boolean;
  /** leaf usages: serverAuth and/or clientAuth */
  usages?: ("server" | "client")[];
  /** validity start (back-dated 5 minutes for clock skew between machines) */
  now: Date;
  validDays: number;
}

/** A fresh extractable EC P-256 key pair. */
export async function generateKeyPair(): Promise<KeyPair> {
  return webcrypto.subtle.generateKey(EC_ALG, true, ["sign", "verify"]) as Promise<KeyPair>;
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Import a PKCS#8 PEM private key for signing. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey("pkcs8", der, EC_ALG, true, ["sign"]);
}

/** Parse a PEM certificate. */
export function parseCert(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for an IPv4 or IPv6 literal (SAN type `ip`), false for a DNS name. */
export function isIP(s: string): boolean {
  return IPV4.test(s) || s.includes(":");
}

/** A random positive 128-bit serial number (RFC 5280: at most 20 octets, positive). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

/**
 * Sign a certificate for `publicKey`. Without `ca` it is self-signed with `selfKeys`
 * (`selfKeys.publicKey` must be `publicKey`).
 */
export async function issue(
  spec: CertSpec,
  publicKey: CryptoKey | x509.PublicKey,
  signer: { ca: SigningCA } | { selfKeys: KeyPair },
): Promise<x509.X509Certificate> {
  const notBefore = new Date(spec.now.getTime() - 5 * 60_000);
  const notAfter = new Date(spec.now.getTime() + spec.validDays * 86_400_000);
  const subject = `CN=${escapeRdn(spec.commonName)}`;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(spec.isCA === true, spec.isCA ? 0 : undefined, true)];
  if (spec.isCA) {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  } else {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
    const eku = (spec.usages ?? ["server"]).map((u) => (u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
    extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
  }
  if (spec.sans?.length) {
    const names = [...new Set(spec.sans)].map((s) => ({ type: isIP(s) ? ("ip" as const) : ("dns" as const), value: s }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  if ("ca" in signer) {
    const caCert = parseCert(signer.ca.certPem);
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey));
    return x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: await importPrivateKey(signer.ca.keyPem),
      signingAlgorithm: EC_ALG,
      extensions,
    });
  }
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject,
    notBefore,
    notAfter,
    keys: signer.selfKeys,
    signingAlgorithm: EC_ALG,
    extensions,
  });
}

/** Escape the characters RFC 4514 reserves in a distinguished-name value. */
function escapeRdn(v: string): string {
  return v.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

/** The subjectAltName entries of a certificate (DNS names and IPs as text). */
export function certSans(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.items.filter((n) => n.type === "dns" || n.type === "ip").map((n) => n.value);
}

export { x509 };
