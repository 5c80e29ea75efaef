/**
 * What route modules share, and the request fields the app decorates. A route module is one
 * function `(app, ctx) => void`; adding one (the pod log/exec proxy, later) is one line in
 * routes/index.ts.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Authenticator, Authorizer, User } from "./auth.js";
import type { Metrics } from "./metrics.js";
import type { Registry } from "./registry.js";
import type { RequestPath } from "./routes/request-path.js";
import type { Store } from "./store/store.js";
import type { WatchHub } from "./watch/watch-hub.js";

export interface ServerContext {
  store: Store;
  registry: Registry;
  hub: WatchHub;
  auth: Authenticator & Authorizer;
  metrics: Metrics;
  logger: Logger;
  /** the data directory (DIR/node-token, DIR/admin.kubeconfig, DIR/kctl.db) */
  dataDir: string;
  /** set when close() starts: /readyz turns 503 */
  shuttingDown: boolean;
}

/** Verb and resource of a request, for metrics and logs. */
export interface RequestInfo {
  verb: string;
  resource: string;
}

export type RouteModule = (app: FastifyInstance, ctx: ServerContext) => void;

declare module "fastify" {
  interface FastifyRequest {
    /** the authenticated caller (undefined on open paths) */
    kctlUser: User | null;
    kctlInfo: RequestInfo | null;
    /** the canonical request path (routes/request-path.ts), parsed once in onRequest; set on every routed request */
    kctlPath: RequestPath | null;
  }
}
