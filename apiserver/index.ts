/**
 * The API server: `createApiServer` builds the fastify app, `startApiServer` also listens,
 * sets up the admin kubeconfig and node token in the data dir, and returns a handle to close it.
 */
import type { Logger } from "pino";
import { silentLogger } from "../lib/logger.js";
import { createApiServer, type ApiServerApp, type ApiServerOptions } from "./app.js";
import type { CompactionOptions } from "./compaction.js";
import { ensureCredentials, ensureServerToken } from "./data-dir.js";
import { makeClusterKubeconfig, writeKubeconfig } from "../lib/kubeconfig.js";
import { issueNodeCredential, validNodeName, type NodeCredential } from "./security/node-credentials.js";
import { ensureLeaf, ensurePki, expiryWarning, nodeCommonName, type Pki } from "./pki/index.js";
import { isLoopback, parseListen } from "../lib/address.js";

export { createApiServer, type ApiServerApp, type ApiServerOptions } from "./app.js";
export type { User, Role, Authenticator, Authorizer } from "./security/auth.js";
export type { NodeCredential } from "./security/node-credentials.js";
export { ADMIN_KUBECONFIG, NODE_TOKEN_FILE, DB_FILE } from "./data-dir.js";
export type { RouteModule, ServerContext } from "./context.js";
export { ensurePki, type Pki } from "./pki/index.js";
export { installClusterKeys, joinedAlready } from "./security/server-bootstrap.js";

export interface StartOptions {
  dataDir: string;
  /** "127.0.0.1:6443" (default), "[::1]:6443", ":6443"; port 0 picks a free port */
  listen?: string;
  logger?: Logger;
  compaction?: CompactionOptions;
  watchBufferEvents?: number;
  watchBufferBytes?: number;
  watchWriteDeadlineMs?: number;
  bodyLimitBytes?: number;
  /** URL written into the kubeconfig when clients reach the server by another address */
  externalUrl?: string;
  serviceCidr?: string;
  bookmarkIntervalMs?: number;
  /**
   * Serving. Default (undefined): HTTPS with the serving certificate of the cluster PKI in the
   * data dir (created on first start). An explicit certificate overrides it; `false` serves plain
   * HTTP, which is refused on a non-loopback address unless `insecureHttp` is set.
   */
  tls?: ApiServerOptions["tls"] | false;
  /** serve plain HTTP on any address (`--insecure-http`) */
  insecureHttp?: boolean;
  /** extra subjectAltNames for the serving certificate (`--tls-san`) */
  tlsSans?: string[];
  /** re-issue the serving certificate before starting (`--rotate-certs`); the CA is kept */
  rotateCerts?: boolean;
  /** injectable clock for certificate issuance and the expiry warning */
  now?: () => Date;
  /** keep objects in etcd instead of SQLite (`--datastore-endpoint`) */
  datastore?: ApiServerOptions["datastore"];
}

export interface RunningApiServer {
  /** e.g. https://127.0.0.1:6443 */
  url: string;
  /** PEM of the CA clients must trust (undefined over plain HTTP) */
  caPem?: string;
  /** the cluster PKI (CA, serving and kubelet-client certificates) */
  pki: Pki;
  adminToken: string;
  /** the default join token (`K10<CA hash>::<id>.<secret>`, also in DIR/node-token) */
  nodeToken: string;
  /**
   * Issue a node credential in process (the kubelet of `kctl server`, tests): a bearer token of
   * `system:node:<nodeName>` and a kubelet serving certificate + key signed by the cluster CA.
   */
  nodeCredential(nodeName: string, addresses?: string[]): Promise<NodeCredential & { keyPem: string }>;
  /** on etcd only: the server join token (`kctl server --join URL --token T`, also in DIR/server-token) */
  serverToken?: string;
  /** DIR/admin.kubeconfig (on etcd: one context per API server of the cluster, kept up to date) */
  kubeconfigPath: string;
  /** the fastify app (tests, extra routes) */
  app: ApiServerApp;
  /** Stop accepting, end watches, flush and close SQLite. Idempotent. */
  close(): Promise<void>;
}


/** Start the API server on `listen` with its data in `dataDir`. */
export async function startApiServer(opts: StartOptions): Promise<RunningApiServer> {
  const logger = opts.logger ?? silentLogger();
  const now = opts.now ?? (() => new Date());
  const { host, port } = parseListen(opts.listen ?? "127.0.0.1:6443");
  const plain = opts.insecureHttp === true || opts.tls === false;
  if (plain && !opts.insecureHttp && !isLoopback(host)) {
    throw new Error(`refusing to serve plain HTTP on ${host}: tokens would cross the network in clear text; drop the TLS opt-out or pass --insecure-http`);
  }
  // The PKI exists even over plain HTTP: kubelets and node credentials still need the CA.
  const pki = await ensurePki(opts.dataDir, { sans: [...(opts.tlsSans ?? []), ...(opts.externalUrl ? [new URL(opts.externalUrl).hostname.replace(/^\[|\]$/g, "")] : [])], rotate: opts.rotateCerts, now: now() });
  for (const what of pki.issued) logger.info({ dataDir: opts.dataDir }, `issued ${what}`);
  const tls = plain ? undefined : opts.tls || { certPem: pki.serving.certPem, keyPem: pki.serving.keyPem, caPem: pki.caPem };
  const caPem = tls ? tls.caPem ?? tls.certPem : undefined;
  const app = await createApiServer({ ...opts, logger, tls, pki, now } satisfies ApiServerOptions);
  const warnExpiry = (): void => {
    if (!tls || opts.tls) return;
    const w = expiryWarning("API server serving", pki.serving.certPem, now());
    if (w) logger.warn(w);
  };
  warnExpiry();
  const expiryTimer = setInterval(warnExpiry, 86_400_000);
  expiryTimer.unref();
  app.addHook("onClose", (_i, done) => {
    clearInterval(expiryTimer);
    done();
  });
  if (plain) logger.warn({ host }, "serving plain HTTP (--insecure-http): bearer tokens cross the network in clear text");
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const addr = app.server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `${tls ? "https" : "http"}://${urlHost}:${actualPort}`;
  const creds = ensureCredentials(opts.dataDir, app.kctl.tokens, opts.externalUrl ?? url, caPem, { tokens: app.kctl.joinTokens, clusterCaPem: pki.caPem });
  let serverToken: string | undefined;
  const shared = app.kctl.shared;
  if (shared) {
    // Several API servers on one etcd: a token to join more, and a kubeconfig naming them all.
    serverToken = ensureServerToken(opts.dataDir, app.kctl.joinTokens, pki.caPem);
    const self = opts.externalUrl ?? url;
    await Promise.all([app.kctl.tokens.settled(), app.kctl.joinTokens.settled(), shared.registerServer(self)]);
    shared.onServers((list) => {
      try {
        writeKubeconfig(creds.kubeconfigPath, makeClusterKubeconfig({ servers: list.map((s) => s.url), self, token: creds.adminToken, caPem }));
      } catch (e) {
        logger.warn({ err: e, kubeconfig: creds.kubeconfigPath }, "could not rewrite the admin kubeconfig with the cluster's servers");
      }
    });
  }
  logger.info({ url, dataDir: opts.dataDir, kubeconfig: creds.kubeconfigPath }, "API server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    caPem,
    pki,
    adminToken: creds.adminToken,
    nodeToken: creds.nodeToken,
    ...(serverToken ? { serverToken } : {}),
    kubeconfigPath: creds.kubeconfigPath,
    app,
    nodeCredential: async (nodeName, addresses = []) => {
      // The kubelet serving certificate of an in-process kubelet is kept in DIR/pki like the server's
      // own (key 0600) and reused on a restart while ensureLeaf finds it good (this CA, this name,
      // these addresses, 30+ days left; --rotate-certs renews it): issuing one costs a start the
      // whole X.509 toolkit. The bearer token is re-issued on every start, as before.
      const files = { cert: `node-${nodeName}.crt`, key: `node-${nodeName}.key` };
      const serving = validNodeName(nodeName)
        ? await ensureLeaf(opts.dataDir, pki.ca, files, nodeCommonName(nodeName), [nodeName, ...addresses], ["server"], { now: now(), rotate: opts.rotateCerts })
        : undefined;
      const c = await issueNodeCredential(app.kctl.tokens, pki, { nodeName, addresses, requestedBy: "in-process", ...(serving ? { serving } : {}) }, now(), logger);
      return { ...c, keyPem: c.keyPem! };
    },
    close: () => (closing ??= app.close().then(() => logger.info("API server stopped"))),
  };
}
