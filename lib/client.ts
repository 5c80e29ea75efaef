/**
 * The typed REST + watch client every component and the CLI use to talk to the API server.
 * Built on node:http/https (keep-alive agent, custom CA) rather than fetch so that TLS trust,
 * streaming watches and connection errors are fully under our control.
 */
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import { ApiError } from "./errors.js";
import { collectionPath, objectPath, resourceForKind, type ResourceInfo } from "./kinds.js";
import type { KList, KObject, Scale, Status, WatchEvent } from "./types.js";

export interface ClientConfig {
  /**
   * e.g. http://127.0.0.1:6443; a comma-separated list (`https://a:6443,https://b:6443`) names
   * several API servers of one cluster, which the client fails over across (see `servers`).
   */
  server: string;
  /**
   * More API servers of the same cluster (same CA, same tokens), tried in order after `server`.
   * The client sticks to one until it fails to answer (connection refused/reset, timeout, 503),
   * then moves to the next, as k3s agents' client-side load balancer does.
   */
  servers?: string[];
  /** bearer token */
  token?: string;
  /** PEM of the CA that signs the server's certificate */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  userAgent?: string;
  /** per request (not watches); default 30 s */
  requestTimeoutMs?: number;
  /**
   * At most this many pooled connections for ordinary requests (more wait for a free one);
   * default unlimited. Watches and streams (logs) get their own connections, so a cap never
   * starves them. In-process components set it: a burst of 500 creates would otherwise open 500
   * TLS connections, and with both ends in one process each costs memory twice, for as long as
   * it stays idle in the pool.
   */
  maxSockets?: number;
  /**
   * With several servers: a TCP connection not made within this long counts as a failed server
   * (default 5 s), so a host that vanished without a reset is left well before the request
   * timeout, and a kubelet's heart-beat reaches another server inside the node grace period.
   */
  connectTimeoutMs?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = "merge" | "json" | "strategic";

/** Server-side field validation of writes (`fieldValidation`). */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Server-side apply options. */
export interface ApplyOptions {
  /** required by the server: who owns the applied fields */
  fieldManager: string;
  /** take over fields other managers own (`force=true`) */
  force?: boolean;
  dryRun?: boolean;
  namespace?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

/** The API server could not be reached at all (refused, DNS, TLS). */
export class ConnectionError extends Error {
  readonly code?: string;
  constructor(server: string, cause: NodeJS.ErrnoException) {
    super(`cannot reach the API server at ${server}: ${describeNetError(cause)}`);
    this.name = "ConnectionError";
    this.code = cause.code;
  }
}

function describeNetError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
      return "host not found";
    case "ETIMEDOUT":
      return "connection timed out";
    case "ECONNRESET":
      return "connection reset";
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return `certificate signed by unknown authority (${e.code}): give the cluster CA in the kubeconfig`;
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `certificate is not valid for this address: ${e.message}`;
    default:
      return e.message || String(e.code);
  }
}

/** A running watch. `done` settles when the stream ends: resolves on a clean close, rejects on error. */
export interface WatchHandle {
  stop(): void;
  done: Promise<void>;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

/** One API server of the list: its URL and its own connection pools. */
interface Endpoint {
  server: string;
  url: URL;
  agent: http.Agent;
  /** for long-lived requests (watches, streams): `agent` itself unless that one is capped */
  streamAgent: http.Agent;
  transport: typeof http | typeof https;
}

/** Network failures after which another API server may answer (the request did not get one). */
const FAILOVER_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ECONNABORTED", "EAI_AGAIN"]);

/** Whether `e` says this API server is gone or unable to serve, so the next one should be tried. */
export function isFailoverError(e: unknown): boolean {
  if (e instanceof ConnectionError) return e.code !== undefined && FAILOVER_CODES.has(e.code);
  return e instanceof ApiError && e.code === 503;
}

/** The API servers a config names: `server` (comma-separated) then `servers`, without repeats. */
export function serverList(cfg: Pick<ClientConfig, "server" | "servers">): string[] {
  const all = [...cfg.server.split(","), ...(cfg.servers ?? [])].map((s) => s.trim().replace(/\/+$/, "")).filter((s) => s !== "");
  return [...new Set(all)];
}

/** Typed client for the kctl (and Kubernetes) REST API. */
export class ApiClient {
  private readonly endpoints: Endpoint[];
  /** index of the endpoint in use: sticky until it fails */
  private current = 0;
  private readonly token?: string;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  /** undefined with one server: its connection errors are what they always were */
  private readonly connectTimeoutMs: number | undefined;
  /** sent as `fieldValidation` on every create, update and patch (unset: the server's default, Warn) */
  fieldValidation?: FieldValidation;
  /** called with the text of each `Warning: 299` header of a response (the CLI prints them as kubectl does) */
  onWarning?: (text: string) => void;

  constructor(cfg: ClientConfig) {
    this.token = cfg.token;
    this.userAgent = cfg.userAgent ?? "kctl";
    this.timeoutMs = cfg.requestTimeoutMs ?? 30_000;
    const servers = serverList(cfg);
    if (servers.length === 0) throw new ApiError("BadRequest", "no API server address given");
    this.connectTimeoutMs = servers.length > 1 ? cfg.connectTimeoutMs ?? 5_000 : undefined;
    // One TLS context for every connection of this client: without it Node builds a new one (and
    // parses the CA again) per connection, ~1-3 ms each, and a server start opens dozens.
    let secureContext: tls.SecureContext | undefined;
    this.endpoints = servers.map((server) => {
      const url = new URL(server);
      if (url.protocol === "https:") {
        secureContext ??= tls.createSecureContext(cfg.ca ? { ca: cfg.ca } : {});
        const opts = { keepAlive: true, ca: cfg.ca, secureContext, rejectUnauthorized: !cfg.insecureSkipTlsVerify };
        const agent = new https.Agent({ ...opts, maxSockets: cfg.maxSockets });
        return { server, url, transport: https, agent, streamAgent: cfg.maxSockets ? new https.Agent(opts) : agent };
      }
      const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.maxSockets });
      return { server, url, transport: http, agent, streamAgent: cfg.maxSockets ? new http.Agent({ keepAlive: true }) : agent };
    });
  }

  /** The API server in use (the first of the list until one fails). */
  get server(): string {
    return this.endpoints[this.current]!.server;
  }

  /** Every API server this client may use, in order. */
  get servers(): string[] {
    return this.endpoints.map((e) => e.server);
  }

  /** Called when the client moves from one API server to the next (for a component's log). */
  onFailover?: (from: string, to: string, reason: string) => void;

  /** Close idle keep-alive sockets (lets a short-lived process exit at once). */
  close(): void {
    for (const e of this.endpoints) {
      e.agent.destroy();
      if (e.streamAgent !== e.agent) e.streamAgent.destroy();
    }
  }

  /**
   * Run `attempt` against the endpoint in use; when it fails in a way another API server may not
   * (see `isFailoverError`), move to the next endpoint and try there, each endpoint once.
   */
  private async withFailover<T>(attempt: (ep: Endpoint) => Promise<T>): Promise<T> {
    let tried = 0;
    for (;;) {
      const idx = this.current;
      const ep = this.endpoints[idx]!;
      try {
        return await attempt(ep);
      } catch (e) {
        tried++;
        if (!isFailoverError(e)) throw e;
        if (tried >= this.endpoints.length) {
          // Every server failed: say so, naming them all (the last one's reason stands for the rest).
          if (e instanceof ConnectionError && this.endpoints.length > 1) throw new ConnectionError(this.servers.join(", "), Object.assign(new Error(e.message.replace(/^.*?: /, "")), { code: e.code }));
          throw e;
        }
        // Another request may have moved on already; only the first to fail moves the pointer.
        if (this.current === idx) {
          this.current = (idx + 1) % this.endpoints.length;
          this.onFailover?.(ep.server, this.server, e instanceof Error ? e.message : String(e));
        }
      }
    }
  }

  // ---------------- typed verbs ----------------

  async get<T extends KObject>(kind: string, name: string, namespace?: string): Promise<T> {
    return this.request<T>("GET", objectPath(resource(kind), namespace, name));
  }

  async list<T extends KObject>(kind: string, opts: ListOptions = {}): Promise<KList<T>> {
    const r = resource(kind);
    return this.request<KList<T>>("GET", collectionPath(r, opts.namespace), { query: listQuery(opts) });
  }

  async create<T extends KObject>(obj: T, namespace?: string): Promise<T> {
    const r = resource(obj.kind);
    const ns = namespace ?? obj.metadata?.namespace ?? "default";
    return this.request<T>("POST", collectionPath(r, r.namespaced ? ns : undefined), { body: obj });
  }

  async update<T extends KObject>(obj: T): Promise<T> {
    const r = resource(obj.kind);
    return this.request<T>("PUT", objectPath(r, obj.metadata.namespace, requireName(obj)), { body: obj });
  }

  async updateStatus<T extends KObject>(obj: T): Promise<T> {
    const r = resource(obj.kind);
    return this.request<T>("PUT", objectPath(r, obj.metadata.namespace, requireName(obj), "status"), { body: obj });
  }

  async patch<T extends KObject>(
    kind: string,
    name: string,
    patch: unknown,
    opts: { namespace?: string; type?: PatchType; subresource?: string } = {},
  ): Promise<T> {
    return this.request<T>("PATCH", objectPath(resource(kind), opts.namespace, name, opts.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[opts.type ?? "merge"],
    });
  }

  /** Server-side apply: PATCH with `application/apply-patch+yaml` (JSON is YAML); creates when absent. */
  async apply<T extends KObject>(obj: T, opts: ApplyOptions): Promise<T> {
    const r = resource(obj.kind);
    const ns = r.namespaced ? opts.namespace ?? obj.metadata?.namespace ?? "default" : undefined;
    return this.request<T>("PATCH", objectPath(r, ns, requireName(obj)), {
      body: obj,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: opts.fieldManager, force: opts.force ? "true" : undefined, dryRun: opts.dryRun ? "All" : undefined },
    });
  }

  /** Returns the object (when deletion is deferred by finalizers/grace) or a Success Status. */
  async delete(kind: string, name: string, opts: DeleteOptions = {}): Promise<KObject | Status> {
    const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    return this.request<KObject | Status>("DELETE", objectPath(resource(kind), opts.namespace, name), { body });
  }

  /** POST pods/{name}/binding */
  async bind(namespace: string, podName: string, nodeName: string, podUid?: string): Promise<Status> {
    const body = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: podName, namespace, ...(podUid ? { uid: podUid } : {}) },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    };
    return this.request<Status>("POST", objectPath(resource("Pod"), namespace, podName, "binding"), { body });
  }

  async getScale(kind: string, name: string, namespace?: string): Promise<Scale> {
    return this.request<Scale>("GET", objectPath(resource(kind), namespace, name, "scale"));
  }

  async updateScale(kind: string, name: string, replicas: number, namespace?: string): Promise<Scale> {
    const body = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name, namespace }, spec: { replicas } };
    return this.request<Scale>("PUT", objectPath(resource(kind), namespace, name, "scale"), { body });
  }

  /**
   * Watch a collection. Events are delivered in order to `onEvent`; an `ERROR` event (such as a
   * 410 Gone for a compacted resourceVersion) is delivered like any other and the server then
   * closes the stream.
   */
  watch<T extends KObject = KObject>(kind: string, opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    const r = resource(kind);
    const query: Query = { ...listQuery(opts), watch: true };
    if (opts.allowWatchBookmarks) query.allowWatchBookmarks = true;
    if (opts.timeoutSeconds !== undefined) query.timeoutSeconds = opts.timeoutSeconds;
    return this.watchPath(collectionPath(r, opts.namespace), query, onEvent);
  }

  /** Watch an arbitrary path that serves NDJSON watch events. */
  watchPath<T extends KObject = KObject>(path: string, query: Query, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let req: http.ClientRequest | undefined;
    let stopped = false;
    // Connecting fails over like any request (refused, reset, 503 before the stream starts); a
    // stream that ends later just ends: the informer watches again from its resourceVersion,
    // and that new watch goes to whichever server answers.
    let streaming = false;
    const done = this.withFailover((ep) => new Promise<void>((resolve, reject) => {
      if (stopped) return resolve();
      req = ep.transport.request(this.requestOptions(ep, "GET", path, query, ep.streamAgent), (res) => {
        if ((res.statusCode ?? 500) >= 300) {
          readBody(res).then((buf) => reject(errorFromResponse(res.statusCode ?? 500, buf)), reject);
          return;
        }
        streaming = true;
        res.setEncoding("utf8");
        let pending = "";
        res.on("data", (chunk: string) => {
          // Scan the chunk line by line with a moving start index: one slice per event and one
          // for the remainder, never a copy of the rest of the buffer per line (large chunks
          // carry thousands of events during a replay).
          const buf = pending ? pending + chunk : chunk;
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf("\n", start)) >= 0) {
            const line = buf.slice(start, nl);
            start = nl + 1;
            if (stopped || line.trim() === "") continue;
            let ev: WatchEvent<T>;
            try {
              ev = JSON.parse(line) as WatchEvent<T>;
            } catch {
              continue; // a torn line cannot happen over HTTP/1.1 chunking; ignore defensively
            }
            onEvent(ev);
          }
          pending = start < buf.length ? buf.slice(start) : "";
        });
        res.on("end", () => resolve());
        res.on("close", () => resolve());
        res.on("error", (e) => (stopped ? resolve() : reject(e)));
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (stopped) resolve();
        // Once events flowed, a cut stream is not retried here (the caller resumes it).
        else reject(streaming ? Object.assign(new Error(e.message), { code: e.code }) : new ConnectionError(ep.server, e));
      });
      connectDeadline(req, this.connectTimeoutMs);
      req.end();
    }));
    return {
      stop: () => {
        stopped = true;
        req?.destroy();
      },
      done,
    };
  }

  /** A raw streaming GET (logs). Resolves with the response once headers arrive and are 2xx. */
  stream(path: string, query: Query = {}): Promise<http.IncomingMessage> {
    return this.withFailover((ep) => new Promise((resolve, reject) => {
      const req = ep.transport.request(this.requestOptions(ep, "GET", path, query, ep.streamAgent), (res) => {
        if ((res.statusCode ?? 500) >= 300) {
          readBody(res).then((buf) => reject(errorFromResponse(res.statusCode ?? 500, buf)), reject);
          return;
        }
        resolve(res);
      });
      req.on("error", (e: NodeJS.ErrnoException) => reject(new ConnectionError(ep.server, e)));
      connectDeadline(req, this.connectTimeoutMs);
      req.end();
    }));
  }

  /** Authorization header value, for callers that open their own connections (WebSocket exec). */
  authHeader(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** TLS options for callers that open their own connections. */
  tlsOptions(): { ca?: string | Buffer | (string | Buffer)[]; rejectUnauthorized?: boolean } {
    const o = (this.endpoints[this.current]!.agent as https.Agent).options ?? {};
    return { ca: o.ca, rejectUnauthorized: o.rejectUnauthorized };
  }

  // ---------------- raw request ----------------

  /** One JSON request. Non-2xx responses throw `ApiError`; network failures throw `ConnectionError`. */
  request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const writes = method === "POST" || method === "PUT" || method === "PATCH";
    const query = writes && this.fieldValidation && opts.query?.fieldValidation === undefined ? { ...opts.query, fieldValidation: this.fieldValidation } : opts.query;
    return this.withFailover((ep) => this.requestOnce<T>(ep, method, path, query, payload, opts));
  }

  private requestOnce<T>(ep: Endpoint, method: string, path: string, query: Query | undefined, payload: Buffer | undefined, opts: RequestOptions): Promise<T> {
    const options = this.requestOptions(ep, method, path, query);
    const headers = options.headers as Record<string, string | number>;
    if (payload) {
      headers["content-type"] = opts.contentType ?? "application/json";
      headers["content-length"] = payload.length;
    }
    return new Promise<T>((resolve, reject) => {
      const req = ep.transport.request(options, (res) => {
        if (this.onWarning && res.headers.warning) for (const w of warningTexts(res.headers.warning)) this.onWarning(w);
        readBody(res).then((buf) => {
          const code = res.statusCode ?? 500;
          if (code >= 300) return reject(errorFromResponse(code, buf));
          if (buf.length === 0) return resolve(undefined as T);
          try {
            resolve(JSON.parse(buf.toString("utf8")) as T);
          } catch {
            reject(new ApiError("InternalError", `invalid JSON from the API server (${method} ${path})`, undefined, code));
          }
        }, reject);
      });
      req.setTimeout(opts.timeoutMs ?? this.timeoutMs, () => {
        req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" }));
      });
      req.on("error", (e: NodeJS.ErrnoException) => reject(new ConnectionError(ep.server, e)));
      connectDeadline(req, this.connectTimeoutMs);
      req.end(payload);
    });
  }

  private requestOptions(ep: Endpoint, method: string, path: string, query?: Query, agent: http.Agent = ep.agent): http.RequestOptions {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") qs.set(k, String(v));
    const q = qs.toString();
    const headers: Record<string, string | number> = { accept: "application/json", "user-agent": this.userAgent };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return {
      method,
      protocol: ep.url.protocol,
      hostname: ep.url.hostname.replace(/^\[|\]$/g, ""),
      port: ep.url.port || (ep.url.protocol === "https:" ? 443 : 80),
      path: `${ep.url.pathname.replace(/\/$/, "")}${path}${q ? `?${q}` : ""}`,
      headers,
      agent,
    };
  }
}

/** Fail `req` with ETIMEDOUT when its new connection is not made within `ms` (no limit when undefined). */
function connectDeadline(req: http.ClientRequest, ms: number | undefined): void {
  if (ms === undefined) return;
  req.once("socket", (socket) => {
    if (!socket.connecting) return; // a pooled connection, already up
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no connection within ${ms} ms`), { code: "ETIMEDOUT" })), ms);
    socket.once("connect", () => clearTimeout(timer));
    socket.once("close", () => clearTimeout(timer));
  });
}

function resource(kind: string): ResourceInfo {
  const r = resourceForKind(kind);
  if (!r) throw new ApiError("NotFound", `the server does not serve kind "${kind}"`);
  return r;
}

function requireName(obj: KObject): string {
  if (!obj.metadata?.name) throw new ApiError("Invalid", `${obj.kind}: metadata.name: Required value`);
  return obj.metadata.name;
}

function listQuery(opts: ListOptions): Query {
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
  };
}

/** The texts of `Warning: 299 - "text"` header values (Node joins repeated headers with ", "). */
export function warningTexts(header: string | string[]): string[] {
  const out: string[] = [];
  for (const h of Array.isArray(header) ? header : [header]) {
    for (const m of h.matchAll(/\d{3} \S+ ("(?:[^"\\]|\\.)*")/g)) {
      try {
        out.push(JSON.parse(m[1]!) as string);
      } catch {
        out.push(m[1]!);
      }
    }
  }
  return out;
}

function readBody(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
  });
}

/** The ApiError for a non-2xx response body: its `Status` when it is one, else its text. */
export function errorFromResponse(code: number, buf: Buffer): ApiError {
  try {
    const parsed = JSON.parse(buf.toString("utf8")) as Partial<Status>;
    if (parsed && parsed.kind === "Status") return ApiError.fromStatus(parsed, code);
  } catch {
    // not JSON: fall through
  }
  const text = buf.toString("utf8").trim().slice(0, 300);
  return ApiError.fromStatus({ code, message: text || `HTTP ${code}` }, code);
}
