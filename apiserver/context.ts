/**
 * What route modules share, and the request fields the app decorates. A route module is one
 * function `(app, ctx) => void`; adding one (the pod log/exec proxy, later) is one line in
 * routes/index.ts.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Pki } from "./pki/index.js";
import type { Authenticator, Authorizer, TokenAuth, User } from "./security/auth.js";
import type { JoinTokens } from "./security/join-tokens.js";
import type { SharedCredentials } from "./security/shared-credentials.js";
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
  tokens: TokenAuth;
  joinTokens: JoinTokens;
  /** the cluster PKI; absent only for apps built without startApiServer (route tests) */
  pki?: Pki;
  /** the node join token kubelets without a PKI accept (apps without a PKI only) */
  kubeletToken(): string | undefined;
  /** credentials and server list shared with the other API servers on one etcd (`--datastore-endpoint`) */
  shared?: SharedCredentials;
  /** the data dir (absent for in-memory apps): the server bootstrap route reads the keys there */
  dataDir?: string;
  /** set when close() starts: /readyz turns 503 */
  shuttingDown: boolean;
}

/** Verb and resource of a request, for metrics and logs. */
export interface RequestInfo {
  verb: string;
  resource: string;
}

/** Registers routes on the app; `now` is the server's clock (token expiry, certificate issue). */
export type RouteModule = (app: FastifyInstance, ctx: ServerContext, now: () => Date) => void;

declare module "fastify" {
  interface FastifyRequest {
    /** the authenticated caller (undefined on open paths) */
    kctlUser: User | null;
    kctlInfo: RequestInfo | null;
    /** the canonical request path (routes/request-path.ts), parsed once in onRequest; set on every routed request */
    kctlPath: RequestPath | null;
  }
}
