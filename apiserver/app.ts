/**
 * The fastify app: built from the server's state (server-state.ts) with no file system access,
 * it wires auth, metrics and the route modules and turns every error into a Kubernetes `Status`.
 * No listen here (index.ts listens).
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import Fastify, { LogController, type FastifyError, type FastifyInstance } from "fastify";
import { SCHEMALESS } from "../lib/fastify-schemaless.js";
import websocket from "@fastify/websocket";
import { ApiError, badRequest, tooLarge, unauthorized } from "../lib/errors.js";
import { silentLogger } from "../lib/logger.js";
import { ClusterAuthorizer } from "./authz/index.js";
import type { ServerContext } from "./context.js";
import { Metrics } from "./metrics.js";
import type { Pki } from "./pki/index.js";
import { OPEN_PATHS as HEALTH_PATHS } from "./routes/health.js";
import { ROUTE_MODULES } from "./routes/index.js";
import { parseRequestPath, refusedPathMessage } from "./routes/request-path.js";
import { sendError } from "./routes/reply.js";
import { bearerToken } from "./security/auth.js";
import { SECURITY_OPEN_PATHS } from "./security/routes.js";
import { UI_OPEN_PATHS } from "./routes/ui.js";
import { openEtcdStore, openServerState, type Datastore, type ServerState, type StateOptions } from "./server-state.js";

/** Paths served without a token: health and version, and the CA a joining node checks. */
const OPEN_PATHS = new Set([...HEALTH_PATHS, ...SECURITY_OPEN_PATHS, ...UI_OPEN_PATHS]);

export interface ApiServerOptions extends StateOptions {
  dataDir: string;
  /** request body limit (default 3 MiB) */
  bodyLimitBytes?: number;
  /**
   * Serve HTTPS with this certificate. kubectl (client-go) only sends bearer tokens over TLS, so
   * real kubectl needs this; kctl's own client works over plain HTTP too.
   */
  tls?: { certPem: string; keyPem: string; caPem?: string };
  /** the cluster PKI (startApiServer makes it): signs node certificates, authenticates to kubelets */
  pki?: Pki;
  /** keep objects in etcd (`--datastore-endpoint`) instead of the data dir's SQLite file */
  datastore?: Datastore;
}

/** What the HTTP app is built with besides the state: no paths, nothing read from disk. */
export type AppOptions = Omit<ApiServerOptions, "dataDir" | keyof StateOptions> & Pick<StateOptions, "logger" | "now">;

/**
 * Node's HTTP parser refused a request (no fastify request exists): answer with a Status and
 * close, as Node would with a bare status line. Broken or closed sockets are just destroyed.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const code = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const message = code === 431 ? "request header fields too large" : code === 408 ? "request timeout" : `bad request: ${err.code ?? err.message}`;
  const body = JSON.stringify(new ApiError(code === 408 ? "Timeout" : "BadRequest", message, undefined, code).toStatus());
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** A fastify app with the server's internals attached (`app.kctl`). */
export type ApiServerApp = FastifyInstance & { kctl: ServerContext };

const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

/** Open the state in the data dir and build the app on it. `app.close()` shuts everything down. */
export async function createApiServer(opts: ApiServerOptions): Promise<ApiServerApp> {
  const store = opts.datastore ? await openEtcdStore(opts.dataDir, opts.datastore, opts.logger) : undefined;
  const state = openServerState(opts.dataDir, { ...opts, ...(store ? { store } : {}) });
  if (opts.datastore) {
    // API servers on one etcd share their tokens (and know each other) through it.
    const { connectEtcd } = await import("./store/etcd-client.js");
    const { shareCredentials } = await import("./security/shared-credentials.js");
    const shared = await shareCredentials({ etcd: connectEtcd(opts.datastore), prefix: opts.datastore.prefix ?? "/kctl", tokens: state.tokens, joinTokens: state.joinTokens, logger: opts.logger ?? silentLogger() }).catch((e: unknown) => {
      state.close();
      throw e;
    });
    const close = state.close;
    return buildApp({ ...state, shared, close: () => (shared.close(), close()) }, opts);
  }
  return buildApp(state, opts);
}

/**
 * Build the fastify app on an opened state (server-state.ts): parsers, hooks, Status errors, the
 * route modules. No file system access: with `memoryServerState()` a test gets the whole API
 * server in memory and drives it with `app.inject`. `app.close()` closes the state too.
 */
export async function buildApp(state: ServerState, opts: AppOptions = {}): Promise<ApiServerApp> {
  const logger = opts.logger ?? silentLogger();
  const clock = opts.now ?? (() => new Date());
  const { store, registry, hub, tokens, joinTokens } = state;
  // The state's own first writes (system namespaces) are committed before anyone can ask.
  await state.ready;
  await store.sync();
  // Authentication by token; authorization by the node rules or the role rules (authz/).
  const authorizer = new ClusterAuthorizer(store);
  const auth: ServerContext["auth"] = {
    authenticate: (headers) => tokens.authenticate(headers),
    authorize: (user, verb, resource, namespace, name) => authorizer.authorize(user, verb, resource, namespace, name),
  };
  const ctx: ServerContext = {
    store, registry, hub, auth, tokens, joinTokens, metrics: new Metrics(), logger, shuttingDown: false,
    kubeletToken: () => state.kubeletToken(),
    ...(state.shared ? { shared: state.shared } : {}),
    ...(state.dataDir ? { dataDir: state.dataDir } : {}),
    ...(opts.pki ? { pki: opts.pki } : {}),
  };
  const bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;

  const app = Fastify({
    ...SCHEMALESS,
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    return503OnClosing: true,
    // A client must send its whole request (headers and body) within this; a slow or lying
    // sender (Content-Length larger than what it sends) holds its socket no longer than that.
    requestTimeout: 30_000,
    forceCloseConnections: "idle",
    // No per-request child logger: request logs are explicit (onResponse, debug level).
    childLoggerFactory: (parent) => parent,
    // Errors raised before routing (a malformed URL) and by Node's HTTP parser (oversized headers,
    // garbage on the wire) are answered as Status objects too, like every other error.
    frameworkErrors: (err, _req, reply) => sendError(reply, badRequest(`bad request: ${err.message}`)),
    clientErrorHandler: answerClientError,
    ...(opts.tls ? { https: { cert: opts.tls.certPem, key: opts.tls.keyPem } } : {}),
  }) as unknown as FastifyInstance;
  app.decorate("kctl", ctx);
  app.decorateRequest("kctlUser", null);
  app.decorateRequest("kctlInfo", null);
  app.decorateRequest("kctlPath", null);
  await app.register(websocket, { options: { maxPayload: 1 << 20 } });

  // One catch-all parser: bodies stay Buffers and the handlers decide (JSON, YAML, patch types,
  // 415), so every failure is a Status rather than fastify's own error shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", (req, reply, done) => {
    // The path is read once, here, and everything after (open paths, routing to a resource,
    // authorization, admission) uses this reading; a non-canonical path is refused for everyone.
    const parsed = parseRequestPath(req.url);
    if (typeof parsed === "string") {
      sendError(reply, badRequest(refusedPathMessage(req.url, parsed)));
      return;
    }
    req.kctlPath = parsed;
    if (OPEN_PATHS.has(parsed.path)) return done();
    const user = ctx.auth.authenticate(req.headers);
    const token = user ? undefined : bearerToken(req.headers);
    if (!user && ctx.shared && token) {
      // Several API servers: a token minted on another one may not have reached this one yet.
      ctx.shared.refresh(token).then(
        () => {
          const u = ctx.auth.authenticate(req.headers);
          if (!u) return sendError(reply, unauthorized());
          req.kctlUser = u;
          done();
        },
        () => sendError(reply, unauthorized()),
      );
      return;
    }
    if (!user) {
      sendError(reply, unauthorized());
      return;
    }
    req.kctlUser = user;
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    const info = req.kctlInfo;
    const seconds = reply.elapsedTime / 1000;
    ctx.metrics.observe(info?.verb ?? req.method.toLowerCase(), info?.resource ?? "", reply.statusCode, seconds);
    // Routine requests log at debug: the hot path stays cheap at the default level.
    if (logger.isLevelEnabled("debug")) {
      req.log.debug({ method: req.method, url: req.url, code: reply.statusCode, ms: Math.round(seconds * 1e4) / 10, user: req.kctlUser?.name }, "request");
    }
    done();
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    switch (err.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return sendError(reply, tooLarge(`the request body is too large: limit is ${bodyLimit} bytes`));
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return sendError(reply, new ApiError("UnsupportedMediaType", err.message));
      default:
        if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
          if (err.statusCode === 413) return sendError(reply, tooLarge(err.message));
          return sendError(reply, err.statusCode === 400 ? badRequest(err.message) : new ApiError("BadRequest", err.message, undefined, err.statusCode));
        }
        req.log.error({ err }, "request failed");
        return sendError(reply, new ApiError("InternalError", `Internal error occurred: ${err.message}`));
    }
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new ApiError("NotFound", "the server could not find the requested resource")));

  for (const mod of ROUTE_MODULES) mod(app, ctx, clock);

  app.addHook("preClose", async () => {
    ctx.shuttingDown = true;
    await hub.closeAll();
  });
  app.addHook("onClose", (_instance, done) => {
    state.close();
    done();
  });
  return app as unknown as ApiServerApp;
}
