/**
 * The data directory: the SQLite file, the admin kubeconfig and the node join token.
 *
 *   DIR/kctl.db            SQLite (WAL: kctl.db-wal, kctl.db-shm); tokens stored as SHA-256 hashes,
 *                          Secrets encrypted (AES-256-GCM)
 *   DIR/admin.kubeconfig   server URL + CA + clear admin token (mode 0600), rewritten on each start
 *   DIR/node-token         the default join token K10<CA hash>::<id>.<secret> (mode 0600), kept in
 *                          clear as k3s keeps server/node-token, so every start can print the join
 *                          command; `kctl token revoke <id>` retires it (a new one is made then)
 *   DIR/server-token       on etcd only: the server join token (K10..., kind server) that lets
 *                          `kctl server --join` fetch the cluster's keys (mode 0600)
 *   DIR/pki/               cluster CA and certificates (see pki/README.md)
 *   DIR/secrets.key        Secret encryption keys (mode 0600)
 *
 * The first start mints the admin token and the default join token; later starts read them back
 * and reuse them while they are still valid (a deleted file just gets a fresh token).
 */
import fs from "node:fs";
import path from "node:path";
import { makeKubeconfig, readKubeconfig, writeKubeconfig } from "../lib/kubeconfig.js";
import { caHash, formatJoinToken, parseJoinToken } from "../lib/join-token.js";
import type { TokenAuth } from "./security/auth.js";
import type { JoinTokens } from "./security/join-tokens.js";

export const DB_FILE = "kctl.db";
export const ADMIN_KUBECONFIG = "admin.kubeconfig";
export const NODE_TOKEN_FILE = "node-token";
export const SERVER_TOKEN_FILE = "server-token";

/** Create the directory (0700: it holds credentials). */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface Credentials {
  adminToken: string;
  /** the default join token, `K10<sha256 of the CA PEM>::<id>.<secret>` */
  nodeToken: string;
  kubeconfigPath: string;
}

/**
 * Reuse or mint the admin token and the default join token, and (re)write the admin kubeconfig
 * for `serverUrl` (carrying `caPem`, the CA clients must trust, when serving HTTPS). `clusterCaPem`
 * is the CA the join token pins.
 */
export function ensureCredentials(dir: string, auth: TokenAuth, serverUrl: string, caPem: string | undefined, join: { tokens: JoinTokens; clusterCaPem: string }): Credentials {
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

  // Shared node tokens from before node credentials are retired: each node now joins on its own.
  auth.revokeName("node-join", "node");
  const nodeTokenPath = path.join(dir, NODE_TOKEN_FILE);
  const hash = caHash(join.clusterCaPem);
  let nodeToken: string | undefined;
  try {
    const t = parseJoinToken(fs.readFileSync(nodeTokenPath, "utf8"));
    if (t && t.caHash === hash && join.tokens.check(t.id, t.secret) === "ok") nodeToken = formatJoinToken(hash, t.id, t.secret);
  } catch {
    // first start
  }
  if (!nodeToken) {
    const t = join.tokens.create({ description: `default join token (${NODE_TOKEN_FILE})` });
    nodeToken = formatJoinToken(hash, t.id, t.secret);
    fs.writeFileSync(nodeTokenPath, `${nodeToken}\n`, { mode: 0o600 });
    fs.chmodSync(nodeTokenPath, 0o600);
  }
  return { adminToken, nodeToken, kubeconfigPath };
}

/**
 * Reuse or mint the server join token (`kind: server`) in DIR/server-token: what `kctl server
 * --join` presents to fetch the CA and keys. Only servers on a shared etcd have one.
 */
export function ensureServerToken(dir: string, tokens: JoinTokens, clusterCaPem: string): string {
  const file = path.join(dir, SERVER_TOKEN_FILE);
  const hash = caHash(clusterCaPem);
  try {
    const t = parseJoinToken(fs.readFileSync(file, "utf8"));
    if (t && t.caHash === hash && tokens.check(t.id, t.secret) === "ok" && tokens.kindOf(t.id) === "server") return formatJoinToken(hash, t.id, t.secret);
  } catch {
    // none yet
  }
  const t = tokens.create({ kind: "server", description: `server join token (${SERVER_TOKEN_FILE})` });
  const token = formatJoinToken(hash, t.id, t.secret);
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return token;
}
