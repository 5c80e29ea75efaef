/**
 * A self-signed serving certificate in the data dir, made with the `openssl` CLI (Node has no
 * X.509 generation API and we add no dependencies). kubectl and @kubernetes/client-node only send
 * bearer tokens over TLS, so a server meant for them should serve HTTPS; the admin kubeconfig
 * then carries this certificate as its CA.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const TLS_CERT_FILE = "tls.crt";
export const TLS_KEY_FILE = "tls.key";

/**
 * Read DIR/tls.crt + DIR/tls.key, creating them first if missing. `hosts` become subject
 * alternative names (IP addresses or DNS names; 127.0.0.1 and localhost are always included).
 * @throws Error when the openssl CLI is not available
 */
export function ensureSelfSignedCert(dir: string, hosts: string[] = []): { certPem: string; keyPem: string } {
  const cert = path.join(dir, TLS_CERT_FILE);
  const key = path.join(dir, TLS_KEY_FILE);
  if (!fs.existsSync(cert) || !fs.existsSync(key)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = new Set(["127.0.0.1", "localhost", ...hosts]);
    const san = [...names].map((h) => (/^[\d.]+$/.test(h) || h.includes(":") ? `IP:${h}` : `DNS:${h}`)).join(",");
    try {
      execFileSync("openssl", [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "3650", "-subj", "/CN=kctl-apiserver", "-addext", `subjectAltName=${san}`,
      ], { stdio: "ignore" });
    } catch (e) {
      throw new Error(`cannot create a TLS certificate with the openssl CLI: ${(e as Error).message}`);
    }
    fs.chmodSync(key, 0o600);
  }
  return { certPem: fs.readFileSync(cert, "utf8"), keyPem: fs.readFileSync(key, "utf8") };
}
