/**
 * What a second API server needs to join the cluster (`kctl server --join URL --token T`):
 *
 *   GET /apis/kctl.io/v1/serverbootstrap    a server join token only (kctl token create --server,
 *                                           or DIR/server-token): the cluster CA and its key, the
 *                                           Secret encryption keys (DIR/secrets.key) and the
 *                                           servers already registered
 *
 * Any other caller gets 403, an agent's join token included: these keys sign every certificate
 * and decrypt every Secret, which no node needs. The joining server has checked the CA against
 * the hash in its token (lib/server-join.ts) before sending the token, as an agent does.
 */
import fs from "node:fs";
import path from "node:path";
import { ApiError, forbidden, unauthorized } from "../../lib/errors.js";
import type { RouteModule } from "../context.js";
import { sendJson } from "../routes/reply.js";
import { KCTL_GROUP_PATH } from "./routes.js";
import { SECRETS_KEY_FILE } from "./secret-encryption.js";
import { caHash } from "../../lib/join-token.js";
import { CA_CERT, CA_KEY, KUBELET_CLIENT_CERT, KUBELET_CLIENT_KEY, pkiDir, readIfExists, SERVING_CERT, SERVING_KEY, writeAtomic, writePair } from "../pki/files.js";

/** The answer of the bootstrap route. */
export interface ServerBootstrap {
  apiVersion: "kctl.io/v1";
  kind: "ServerBootstrap";
  caCert: string;
  caKey: string;
  /** DIR/secrets.key as it is (all keys, so Secrets written with an older one still decrypt) */
  secretsKey: string;
  /** URLs of the API servers registered so far */
  servers: string[];
}

/** The route module (routes/index.ts registers it). */
export const serverBootstrapRoutes: RouteModule = (app, ctx) => {
  const log = ctx.logger.child({ component: "security" });
  app.get(`${KCTL_GROUP_PATH}/serverbootstrap`, (req, reply) => {
    req.kctlInfo = { verb: "get", resource: "serverbootstrap" };
    const u = req.kctlUser;
    if (!u) throw unauthorized();
    if (!(u.role === "bootstrap" && u.serverJoin)) {
      throw forbidden(`serverbootstrap.kctl.io is forbidden: User "${u.name}" is not a server token; only a token from kctl token create --server (or the first server's server-token file) may join a server`);
    }
    if (!ctx.pki || !ctx.dataDir) throw new ApiError("ServiceUnavailable", "this server has no data dir to share keys from");
    let secretsKey: string;
    try {
      secretsKey = fs.readFileSync(path.join(ctx.dataDir, SECRETS_KEY_FILE), "utf8");
    } catch (e) {
      throw new ApiError("ServiceUnavailable", `cannot read ${SECRETS_KEY_FILE}: ${(e as Error).message}`);
    }
    log.info({ by: u.name }, "cluster keys given to a joining server");
    const body: ServerBootstrap = {
      apiVersion: "kctl.io/v1",
      kind: "ServerBootstrap",
      caCert: ctx.pki.caPem,
      caKey: ctx.pki.ca.keyPem,
      secretsKey,
      servers: ctx.shared?.servers().map((s) => s.url) ?? [],
    };
    return sendJson(reply, 200, JSON.stringify(body));
  });
};

/** Keys fetched from the first server (lib/server-join.ts), to write into a joining server's data dir. */
export interface FetchedClusterKeys {
  caCert: string;
  caKey: string;
  secretsKey: string;
}

/**
 * Write the cluster's CA and Secret keys into `dataDir` before the server starts on it. A data
 * dir that already has them (a restart with --join again) is left alone; one with another
 * cluster's CA is refused (its certificates, tokens and Secrets belong to that cluster).
 */
export function installClusterKeys(dataDir: string, keys: FetchedClusterKeys): "installed" | "present" {
  const dir = pkiDir(dataDir);
  const have = readIfExists(path.join(dir, CA_CERT));
  if (have !== undefined) {
    if (have === keys.caCert) return "present";
    throw new Error(`${dataDir} already belongs to another cluster (its pki/${CA_CERT} differs from the first server's CA): use a fresh --data-dir to join`);
  }
  // Leaf certificates of an earlier, unjoined start were signed by another CA: issue them again.
  for (const f of [SERVING_CERT, SERVING_KEY, KUBELET_CLIENT_CERT, KUBELET_CLIENT_KEY]) fs.rmSync(path.join(dir, f), { force: true });
  writeAtomic(path.join(dataDir, SECRETS_KEY_FILE), keys.secretsKey, 0o600);
  writePair(dir, CA_CERT, CA_KEY, { certPem: keys.caCert, keyPem: keys.caKey });
  return "installed";
}

/**
 * Whether `dataDir` joined the cluster whose CA has this hash already (CA, CA key and Secret keys
 * all there), so a restart needs nothing from the first server, which may be down by then. A
 * data dir with another CA is refused as in {@link installClusterKeys}.
 */
export function joinedAlready(dataDir: string, clusterCaHash: string): boolean {
  const dir = path.join(dataDir, "pki");
  const ca = readIfExists(path.join(dir, CA_CERT));
  if (ca === undefined) return false;
  if (caHash(ca) !== clusterCaHash) throw new Error(`${dataDir} already belongs to another cluster (its pki/${CA_CERT} is not the CA the token names): use a fresh --data-dir to join`);
  return readIfExists(path.join(dir, CA_KEY)) !== undefined && readIfExists(path.join(dataDir, SECRETS_KEY_FILE)) !== undefined;
}
