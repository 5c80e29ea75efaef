/**
 * The data directory: the SQLite file, the admin kubeconfig and the node join token.
 *
 *   DIR/kctl.db            SQLite (WAL: kctl.db-wal, kctl.db-shm); tokens stored as SHA-256 hashes
 *   DIR/admin.kubeconfig   server URL + clear admin token (mode 0600), rewritten on each start
 *   DIR/node-token         clear node join token (mode 0600)
 *
 * The first start mints both tokens; later starts read them back and reuse them when their hashes
 * are still known (a deleted file just gets a fresh token).
 */
import fs from "node:fs";
import path from "node:path";
import { makeKubeconfig, readKubeconfig, writeKubeconfig } from "../lib/kubeconfig.js";
import type { TokenAuth } from "./auth.js";

export const DB_FILE = "kctl.db";
export const ADMIN_KUBECONFIG = "admin.kubeconfig";
export const NODE_TOKEN_FILE = "node-token";

/** Create the directory (0700: it holds credentials). */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface Credentials {
  adminToken: string;
  nodeToken: string;
  kubeconfigPath: string;
}

/** Reuse or mint the admin and node tokens, and (re)write the admin kubeconfig for `serverUrl`. */
export function ensureCredentials(dir: string, auth: TokenAuth, serverUrl: string, caPem?: string): Credentials {
  const kubeconfigPath = path.join(dir, ADMIN_KUBECONFIG);
  let adminToken: string | undefined;
  try {
    const cfg = readKubeconfig(kubeconfigPath);
    const t = cfg.users[0]?.user.token;
    if (t && auth.verify(t)?.role === "admin") adminToken = t;
  } catch {
    // no kubeconfig yet (first start) or unreadable: mint a new token below
  }
  adminToken ??= auth.createToken("admin", "admin");
  writeKubeconfig(kubeconfigPath, makeKubeconfig({ server: serverUrl, token: adminToken, caPem }));
  fs.chmodSync(kubeconfigPath, 0o600);

  const nodeTokenPath = path.join(dir, NODE_TOKEN_FILE);
  let nodeToken: string | undefined;
  try {
    const t = fs.readFileSync(nodeTokenPath, "utf8").trim();
    if (t && auth.verify(t)?.role === "node") nodeToken = t;
  } catch {
    // first start
  }
  if (!nodeToken) {
    nodeToken = auth.createToken("node", "node-join");
    fs.writeFileSync(nodeTokenPath, `${nodeToken}\n`, { mode: 0o600 });
  }
  return { adminToken, nodeToken, kubeconfigPath };
}
