/** The cluster CA: created once, kept for ten years, never changed by a serving-cert rotation. */
import path from "node:path";
import { CA_CERT, CA_KEY, pkiDir, readIfExists, writePair } from "./files.js";
import type { SigningCA } from "./x509.js";

/** CA validity: long enough for a lab; re-creating it means re-joining every node. */
export const CA_VALID_DAYS = 3650;

/** Load DIR/pki/ca.{crt,key}, creating them on first start. */
export async function ensureCA(dataDir: string, now: Date): Promise<SigningCA> {
  const dir = pkiDir(dataDir);
  const certPem = readIfExists(path.join(dir, CA_CERT));
  const keyPem = readIfExists(path.join(dir, CA_KEY));
  if (certPem && keyPem) return { certPem, keyPem };
  // Only a first start issues anything: the X.509 toolkit is loaded then, not at every start.
  const { generateKeyPair, issue, privateKeyPem } = await import("./x509.js");
  const keys = await generateKeyPair();
  const cert = await issue({ commonName: `kctl-ca@${Math.floor(now.getTime() / 1000)}`, isCA: true, now, validDays: CA_VALID_DAYS }, keys.publicKey, { selfKeys: keys });
  const pair = { certPem: cert.toString("pem") + "\n", keyPem: await privateKeyPem(keys.privateKey) + "\n" };
  writePair(dir, CA_CERT, CA_KEY, pair);
  return pair;
}
