/**
 * The API server: `createApiServer` builds the fastify app, `startApiServer` also listens,
 * sets up the admin kubeconfig and node token in the data dir, and returns a handle to close it.
 */
import type { Logger } from "pino";
import { silentLogger } from "../lib/logger.js";
import { createApiServer, type ApiServerApp, type ApiServerOptions } from "./app.js";
import type { CompactionOptions } from "./compaction.js";
import { ensureCredentials } from "./data-dir.js";

export { createApiServer, type ApiServerApp, type ApiServerOptions } from "./app.js";
export type { User, Role, Authenticator, Authorizer } from "./auth.js";
export { ADMIN_KUBECONFIG, NODE_TOKEN_FILE, DB_FILE } from "./data-dir.js";
export type { RouteModule, ServerContext } from "./context.js";
export { ensureSelfSignedCert, TLS_CERT_FILE, TLS_KEY_FILE } from "./tls.js";

export interface StartOptions {
  dataDir: string;
  /** "127.0.0.1:6443" (default), "[::1]:6443", ":6443"; port 0 picks a free port */
  listen?: string;
  logger?: Logger;
  compaction?: CompactionOptions;
  watchBufferEvents?: number;
  bodyLimitBytes?: number;
  /** URL written into the kubeconfig when clients reach the server by another address */
  externalUrl?: string;
  serviceCidr?: string;
  bookmarkIntervalMs?: number;
  /** serve HTTPS (see ApiServerOptions.tls); the kubeconfig then carries the CA */
  tls?: ApiServerOptions["tls"];
}

export interface RunningApiServer {
  /** e.g. http://127.0.0.1:6443 */
  url: string;
  adminToken: string;
  nodeToken: string;
  /** DIR/admin.kubeconfig */
  kubeconfigPath: string;
  /** the fastify app (tests, extra routes) */
  app: ApiServerApp;
  /** Stop accepting, end watches, flush and close SQLite. Idempotent. */
  close(): Promise<void>;
}

/** Parse "host:port". */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim());
  if (!m) throw new Error(`invalid listen address "${listen}" (want host:port)`);
  const host = m[1] ?? (m[2] || "0.0.0.0");
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in "${listen}"`);
  return { host, port };
}

/** Start the API server on `listen` with its data in `dataDir`. */
export async function startApiServer(opts: StartOptions): Promise<RunningApiServer> {
  const logger = opts.logger ?? silentLogger();
  const app = await createApiServer({ ...opts, logger } satisfies ApiServerOptions);
  const { host, port } = parseListen(opts.listen ?? "127.0.0.1:6443");
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const addr = app.server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `${opts.tls ? "https" : "http"}://${urlHost}:${actualPort}`;
  const creds = ensureCredentials(opts.dataDir, app.kctl.tokens, opts.externalUrl ?? url, opts.tls ? opts.tls.caPem ?? opts.tls.certPem : undefined);
  logger.info({ url, dataDir: opts.dataDir, kubeconfig: creds.kubeconfigPath }, "API server listening");
  let closing: Promise<void> | undefined;
  return {
    url,
    adminToken: creds.adminToken,
    nodeToken: creds.nodeToken,
    kubeconfigPath: creds.kubeconfigPath,
    app,
    close: () => (closing ??= app.close().then(() => logger.info("API server stopped"))),
  };
}
