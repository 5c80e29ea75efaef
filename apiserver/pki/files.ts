/**
 * Where the PKI lives in the data dir and how its files are written: keys 0600, certificates
 * 0644, always through a temp file and a rename so a crash never leaves half a PEM behind.
 *
 *   DIR/pki/ca.crt, ca.key                              cluster CA (10 years)
 *   DIR/pki/serving.crt, serving.key                    API server HTTPS certificate (1 year)
 *   DIR/pki/kubelet-client.crt, kubelet-client.key      API server -> kubelet client certificate
 */
import fs from "node:fs";
import path from "node:path";

export const PKI_DIR = "pki";
export const CA_CERT = "ca.crt";
export const CA_KEY = "ca.key";
export const SERVING_CERT = "serving.crt";
export const SERVING_KEY = "serving.key";
export const KUBELET_CLIENT_CERT = "kubelet-client.crt";
export const KUBELET_CLIENT_KEY = "kubelet-client.key";

/** DIR/pki, created 0700. */
export function pkiDir(dataDir: string): string {
  const dir = path.join(dataDir, PKI_DIR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Read a file, or undefined when it does not exist. */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Write atomically with `mode` (0600 for keys). */
export function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

/** Write a certificate (0644) and its key (0600); the key first, so a cert never lacks its key. */
export function writePair(dir: string, certName: string, keyName: string, pair: { certPem: string; keyPem: string }): void {
  writeAtomic(path.join(dir, keyName), pair.keyPem, 0o600);
  writeAtomic(path.join(dir, certName), pair.certPem, 0o644);
}
