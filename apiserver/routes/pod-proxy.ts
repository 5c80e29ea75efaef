/**
 * `pods/{name}/log`, `pods/{name}/exec` and `pods/{name}/attach`: the API server checks the caller (its normal auth
 * hooks run first), finds the pod, its container, its node and that node's kubelet endpoint
 * (status.addresses InternalIP + status.daemonEndpoints.kubeletEndpoint.Port), then proxies:
 * logs as a plain HTTP stream, exec and attach as a WebSocket upgrade relayed byte for byte, so the
 * sub-protocol (v5/v4.channel.k8s.io) is negotiated between the client and the kubelet.
 * The kubelet is called with the API server's own credentials, never with the caller's: with the
 * cluster PKI, over HTTPS with the kubelet-client certificate (mutual TLS; the kubelet's
 * certificate must be signed by the cluster CA and name the pod's node); without it (legacy,
 * tests), over plain HTTP with a bearer token.
 */
import http from "node:http";
import https from "node:https";
import type { PeerCertificate } from "node:tls";
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badRequest, forbidden, notFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { Container, ContainerStatus, Node, Pod } from "../../lib/types.js";
import type { RouteModule, ServerContext } from "../context.js";
import { nodeCommonName } from "../../lib/pki-names.js";
import type { Store } from "../store/store.js";

/** What the proxy needs from the API server. */
export interface PodProxyOptions {
  /** where pods and nodes are read (only `get` is used) */
  store: Pick<Store, "get">;
  /** the bearer token presented to kubelets over plain HTTP (legacy); read per request */
  kubeletToken?: string | (() => string | undefined);
  /** mutual TLS to kubelets: the cluster CA and the API server's kubelet-client certificate */
  kubeletTls?: KubeletTls;
  logger?: Logger;
  /** how long to wait for a kubelet to answer before a 503 (default 10 s) */
  kubeletTimeoutMs?: number;
  /**
   * Authorization of the (already authenticated) caller: throw a Forbidden ApiError to refuse.
   * Called with verb `get` on `pods/log` and `create` on `pods/exec` and `pods/attach`, as Kubernetes' RBAC does.
   */
  authorize?: (req: FastifyRequest, verb: string, resource: string, namespace: string, name: string) => void;
}

/** How the API server authenticates to kubelets and verifies them. */
export interface KubeletTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

type Query = Record<string, string | string[] | undefined>;
type ProxyRequest = FastifyRequest<{ Params: { namespace: string; name: string }; Querystring: Query }>;

/** Where a request goes on the kubelet. */
export interface KubeletTarget {
  host: string;
  port: number;
  container: string;
  node: string;
}

/**
 * The route module (one line in routes/index.ts). Without a PKI (route tests, plain-HTTP labs of
 * old) kubelets are reached with the node join token the server's state provides.
 */
export const podProxyRoutes: RouteModule = (app, ctx) => registerPodProxyRoutes(app, podProxyOptions(ctx));

/**
 * The proxy's options from the server's context (shared with the port-forward route). With a PKI
 * the kubelets are reached over mutual TLS only: no token ever goes to a kubelet.
 */
export function podProxyOptions(ctx: ServerContext): PodProxyOptions {
  const kubeletToken = (): string | undefined => ctx.kubeletToken();
  const authorize = (req: FastifyRequest, verb: string, resource: string, namespace: string, name: string): void => {
    req.kctlInfo = { verb, resource };
    const user = req.kctlUser;
    if (!user) return;
    const ok = ctx.auth.authorize(user, verb, resource, namespace, name);
    if (ok !== true) throw forbidden(`${resource} is forbidden: ${ok}`);
  };
  const pki = ctx.pki;
  const logger = ctx.logger.child({ component: "pod-proxy" });
  if (pki) {
    const kubeletTls = { caPem: pki.caPem, certPem: pki.kubeletClient.certPem, keyPem: pki.kubeletClient.keyPem };
    return { store: ctx.store, kubeletTls, authorize, logger };
  }
  return { store: ctx.store, kubeletToken, authorize, logger };
}

/** Register GET pods/{name}/log and GET|POST pods/{name}/exec and pods/{name}/attach on `app`. */
export function registerPodProxyRoutes(app: FastifyInstance, opts: PodProxyOptions): void {
  const token = (): string | undefined => (typeof opts.kubeletToken === "function" ? opts.kubeletToken() : opts.kubeletToken);
  const timeoutMs = opts.kubeletTimeoutMs ?? 10_000;
  const log = opts.logger;
  const track = streamTracker(app);

  app.get("/api/v1/namespaces/:namespace/pods/:name/log", async (req: ProxyRequest, reply: FastifyReply) => {
    const { namespace, name } = req.params;
    opts.authorize?.(req, "get", "pods/log", namespace, name);
    const previous = isTrue(req.query.previous);
    const t = resolveTarget(opts.store, namespace, name, one(req.query.container), previous ? "previous" : "logs");
    const qs = new URLSearchParams();
    for (const k of ["follow", "tailLines", "timestamps", "previous", "sinceSeconds", "sinceTime", "limitBytes"]) {
      const v = one(req.query[k]);
      if (v !== undefined) qs.set(k, v);
    }
    const path = `/containerLogs/${enc(namespace)}/${enc(name)}/${enc(t.container)}${qs.size ? `?${qs}` : ""}`;
    const upstream = await openKubelet(t, path, { authorization: opts.kubeletTls ? undefined : bearer(token()) }, timeoutMs, opts.kubeletTls);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(upstream.statusCode ?? 502, {
      "content-type": upstream.headers["content-type"] ?? "text/plain; charset=utf-8",
      "cache-control": "no-cache",
    });
    res.flushHeaders();
    track(upstream, res.socket ?? res);
    upstream.pipe(res);
    res.on("close", () => upstream.destroy());
    upstream.on("error", () => res.destroy());
  });

  /** exec and attach: the same upgrade relay; attach has no command and targets the main process. */
  const streamHandler = (kind: "exec" | "attach") => async (req: ProxyRequest, reply: FastifyReply): Promise<void> => {
    const upgrade = String(req.headers.upgrade ?? "").toLowerCase();
    if (upgrade !== "websocket") {
      throw badRequest(
        upgrade ? `unsupported upgrade "${req.headers.upgrade}": ${kind} is served over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) only` : "Upgrade request required",
      );
    }
    const { namespace, name } = req.params;
    opts.authorize?.(req, "create", `pods/${kind}`, namespace, name);
    const t = resolveTarget(opts.store, namespace, name, one(req.query.container), kind);
    const qs = new URLSearchParams();
    if (kind === "exec") for (const c of many(req.query.command)) qs.append("command", c);
    for (const k of ["stdin", "stdout", "stderr", "tty"]) {
      const v = one(req.query[k]);
      if (v !== undefined) qs.set(k, v);
    }
    const path = `/${kind}/${enc(namespace)}/${enc(name)}/${enc(t.container)}?${qs}`;
    const headers: http.OutgoingHttpHeaders = { connection: "Upgrade", upgrade: "websocket", authorization: opts.kubeletTls ? undefined : bearer(token()) };
    for (const h of ["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions"]) {
      if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    }
    // the caller's credentials never reach the kubelet, even as a bearer-token subprotocol
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p && !p.startsWith("base64url.bearer.authorization.k8s.io."));
    if (protocols.length) headers["sec-websocket-protocol"] = protocols.join(", ");
    const up = await upgradeKubelet(t, path, headers, timeoutMs, opts.kubeletTls);
    if (!(await spliceUpgrade(req, reply, up, track))) return;
    log?.debug({ namespace, name, container: t.container, node: t.node, protocol: up.res.headers["sec-websocket-protocol"] }, `${kind} proxied`);
  };

  // preHandler (not handler): with @fastify/websocket registered, a plain route's handler would
  // complete the WebSocket handshake itself; taking the socket here keeps the kubelet's answer.
  for (const kind of ["exec", "attach"] as const) {
    for (const method of ["GET", "POST"] as const) {
      app.route({
        method,
        url: `/api/v1/namespaces/:namespace/pods/:name/${kind}`,
        preHandler: streamHandler(kind),
        handler: async () => {
          throw new ApiError("InternalError", `${kind} proxy: unreachable`);
        },
      });
    }
  }
}

// ---------------------------------------------------------------- resolution

/** Pod -> container -> node -> kubelet address, with Kubernetes' error messages. */
export function resolveTarget(
  store: Pick<Store, "get">,
  namespace: string,
  name: string,
  containerParam: string | undefined,
  purpose: "logs" | "previous" | "exec" | "attach",
): KubeletTarget {
  const pod = store.get("pods", namespace, name)?.object() as Pod | undefined;
  if (!pod) throw notFound("pods", name);
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let container = containerParam;
  if (!container) {
    if (pod.spec.containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${pod.spec.containers.map((c) => c.name).join(" ")}]`);
    }
    container = pod.spec.containers[0].name;
  } else if (!containers.some((c) => c.name === container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);

  const phase = pod.status?.phase;
  const streaming = purpose === "exec" || purpose === "attach";
  if (streaming && (phase === "Succeeded" || phase === "Failed")) {
    throw badRequest(`cannot ${purpose === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`);
  }
  const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const st = statuses.find((s) => s.name === container);
  const waiting = st?.state?.waiting;
  if (waiting && streaming) {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting.reason ?? "ContainerCreating"}`);
  }
  if (waiting && purpose === "logs" && !st?.lastState?.terminated) {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting.reason ?? "ContainerCreating"}`);
  }
  if (streaming && st?.state?.terminated) {
    throw badRequest(`container "${container}" in pod "${name}" is not running (terminated: ${st.state.terminated.reason ?? "Completed"})`);
  }

  return { ...kubeletEndpoint(store, nodeName, name), container };
}

/** The kubelet serving `nodeName` (InternalIP, else Hostname, and its kubeletEndpoint port). */
export function kubeletEndpoint(store: Pick<Store, "get">, nodeName: string, podName: string): Omit<KubeletTarget, "container"> {
  const node = store.get("nodes", "", nodeName)?.object() as Node | undefined;
  if (!node) throw new ApiError("ServiceUnavailable", `node "${nodeName}" of pod ${podName} is not registered`);
  const addrs = node.status?.addresses ?? [];
  const host = (addrs.find((a) => a.type === "InternalIP") ?? addrs.find((a) => a.type === "Hostname"))?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host || !port) throw new ApiError("ServiceUnavailable", `node "${nodeName}" has no kubelet endpoint (is its agent running?)`);
  return { host, port, node: nodeName };
}

// ---------------------------------------------------------------- upstream

/**
 * A request to a kubelet: plain HTTP, or HTTPS with our client certificate, the cluster CA as the
 * only trust anchor, and the kubelet's certificate required to name the pod's node (a CA-signed
 * certificate of another node is refused, whatever address it answers on).
 */
function kubeletRequest(t: KubeletTarget, path: string, headers: http.OutgoingHttpHeaders, tls: KubeletTls | undefined, onResponse?: (res: http.IncomingMessage) => void): http.ClientRequest {
  const base = { host: t.host, port: t.port, path, method: "GET", headers: stripEmpty(headers) };
  if (!tls) return http.request(base, onResponse);
  const want = nodeCommonName(t.node);
  return https.request(
    {
      ...base,
      ca: tls.caPem,
      cert: tls.certPem,
      key: tls.keyPem,
      agent: false,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        const cn = cert.subject?.CN;
        return (Array.isArray(cn) ? cn[0] : cn) === want ? undefined : new Error(`the kubelet's certificate is issued to "${String(cn)}", not "${want}"`);
      },
    },
    onResponse,
  );
}

function openKubelet(t: KubeletTarget, path: string, headers: http.OutgoingHttpHeaders, timeoutMs: number, tls?: KubeletTls): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = kubeletRequest(t, path, headers, tls, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("response", () => req.setTimeout(0));
    req.on("error", (e: NodeJS.ErrnoException) => reject(unreachable(t, e)));
    req.end();
  });
}

/** A kubelet's answer to an upgrade: the switched socket, or its plain HTTP refusal. */
type UpgradeResult =
  | { upgraded: true; res: http.IncomingMessage; socket: Duplex; head: Buffer }
  | { upgraded: false; res: http.IncomingMessage };

/** Send an upgrade request to the kubelet at `t`; resolves with its 101 or its refusal. */
export function upgradeKubelet(t: KubeletTarget, path: string, headers: http.OutgoingHttpHeaders, timeoutMs: number, tls?: KubeletTls): Promise<UpgradeResult> {
  return new Promise((resolve, reject) => {
    const req = kubeletRequest(t, path, headers, tls);
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("upgrade", (res, socket, head) => {
      req.setTimeout(0);
      socket.setTimeout(0);
      resolve({ upgraded: true, res, socket, head });
    });
    req.on("response", (res) => {
      req.setTimeout(0);
      resolve({ upgraded: false, res });
    });
    req.on("error", (e: NodeJS.ErrnoException) => reject(unreachable(t, e)));
    req.end();
  });
}

/** Write the kubelet's 101 to the client, then pipe both sockets until either side closes. */
/** Something a proxied stream holds open: a socket, a response. */
export type Tracked = { destroy(): unknown; once(ev: "close", fn: () => void): unknown };

/**
 * Streams outlive requests (logs -f, exec and port-forward sessions): the returned function
 * records them until they close, and they are ended when the server closes, or close() would
 * wait for every client to hang up.
 */
export function streamTracker(app: FastifyInstance): (...items: Tracked[]) => void {
  const active = new Set<{ destroy(): unknown }>();
  app.addHook("preClose", (done) => {
    for (const it of active) it.destroy();
    active.clear();
    done();
  });
  return (...items) => {
    for (const it of items) {
      active.add(it);
      it.once("close", () => active.delete(it));
    }
  };
}

/**
 * Hand the client the kubelet's upgraded connection (the two sockets joined, both passed to
 * `track`), or, when the kubelet refused (no such container, a protocol it does not speak),
 * relay its answer as is. True when the connection was upgraded.
 */
export async function spliceUpgrade(
  req: FastifyRequest,
  reply: FastifyReply,
  up: UpgradeResult,
  track: (...items: Tracked[]) => void,
): Promise<boolean> {
  if (!up.upgraded) {
    const body = await readAll(up.res);
    reply.code(up.res.statusCode ?? 502).type(up.res.headers["content-type"] ?? "application/json").send(body);
    return false;
  }
  reply.hijack();
  const client = req.raw.socket;
  track(client, up.socket);
  relay(client, clientHead(req.raw), up.res, up.socket, up.head);
  return true;
}

export function relay(client: Duplex, clientHead: Buffer, res: http.IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
  const lines = [`HTTP/1.1 101 ${res.statusMessage || "Switching Protocols"}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  client.write(`${lines.join("\r\n")}\r\n\r\n`);
  if (upstreamHead.length) client.write(upstreamHead);
  if (clientHead.length) upstream.write(clientHead);
  if ("setTimeout" in client && typeof client.setTimeout === "function") client.setTimeout(0);
  const end = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", end);
  upstream.on("error", end);
  client.on("close", end);
  upstream.on("close", end);
  client.pipe(upstream);
  upstream.pipe(client);
}

/** Bytes the client sent after its upgrade request (kept by @fastify/websocket; normally none). */
export function clientHead(raw: http.IncomingMessage): Buffer {
  for (const s of Object.getOwnPropertySymbols(raw)) {
    if (s.description === "ws-head") {
      const v = (raw as unknown as Record<symbol, unknown>)[s];
      if (Buffer.isBuffer(v)) return v;
    }
  }
  return Buffer.alloc(0);
}

function unreachable(t: KubeletTarget, e: NodeJS.ErrnoException): ApiError {
  return new ApiError("ServiceUnavailable", `unable to reach the kubelet on node "${t.node}" at ${t.host}:${t.port}: ${e.code ?? e.message}`);
}

/** A kubelet answer's whole body (its Status when it refused an upgrade). */
export function readAll(res: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
  });
}

function stripEmpty(h: http.OutgoingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

/** The Authorization header value for a kubelet token, if any. */
export function bearer(token: string | undefined): string | undefined {
  return token ? `Bearer ${token}` : undefined;
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function many(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function isTrue(v: string | string[] | undefined): boolean {
  const s = one(v);
  return s === "" || s === "1" || s?.toLowerCase() === "true";
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
