/**
 * `GET /portForward/{namespace}/{pod}`: the kubelet's end of `kubectl port-forward`. The API
 * server relays the client's upgrade here unchanged; we accept SPDY/3.1 directly or tunnelled in
 * WebSocket binary messages (sub-protocol `SPDY/3.1+portforward.k8s.io`, what kubectl 1.31+ tries
 * first), and serve the port-forward protocol on it (lib/spdy/port-forward.ts):
 *
 * ```
 *  SPDY session ──(error, data) stream pair per requestid──> TCP connect podIP:port
 *      data stream  <==== bytes both ways, half-closes passed on ====>  pod socket
 *      error stream <── "error forwarding port P to pod ...: connect ECONNREFUSED" (then FIN)
 *  the pod's sandbox (or the container holding its network) dies or is removed ──> GOAWAY, the session ends (kubectl: "lost connection to pod")
 * ```
 *
 * The pod's network namespace is reached through the pod IP on the node's Docker bridge, which
 * the kubelet host routes to; a server listening only on the pod's 127.0.0.1 is not reachable
 * this way (Kubernetes enters the namespace; see README "Differences").
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { holdsNetwork, networkHolder } from "../network-holder.js";
import type { ContainerRuntime } from "../runtime/types.js";
import type { ContainerLister } from "./containers.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createWebSocketStream, WebSocketServer } from "ws";
import { ApiError, badRequest } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { RstStatus } from "../../lib/spdy/frames.js";
import {
  HEADER_PORT,
  HEADER_REQUEST_ID,
  HEADER_STREAM_TYPE,
  offeredProtocols,
  PORT_FORWARD_PROTOCOL_V1,
  portForwardUpgrade,
  SPDY_31,
  STREAM_TYPE_DATA,
  STREAM_TYPE_ERROR,
  upgradeHead,
  WEBSOCKET_PORT_FORWARD_PROTOCOL,
} from "../../lib/spdy/port-forward.js";
import { SpdySession, type SpdyStream } from "../../lib/spdy/session.js";

/** How long the second stream of a pair may take to arrive (Kubernetes: streamCreationTimeout). */
const PAIR_TIMEOUT_MS = 30_000;
/** How long a connect to the pod may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The pod as port-forward sees it: where to connect and what to watch. */
interface PodEndpoint {
  namespace: string;
  pod: string;
  uid: string;
  ip: string;
  /** the container holding the pod's network (its sandbox, or its only container) */
  holderId: string;
}

/** What the port-forward route needs from the kubelet server. */
export interface PortForwardDeps {
  runtime: ContainerRuntime;
  /** this node's containers */
  containers: ContainerLister;
  nodeName: string;
  logger: Logger;
}

/** Register the port-forward route and end its sessions when the server closes. */
export function registerPortForwardRoutes(app: FastifyInstance, deps: PortForwardDeps): void {
  const sessions = new Set<SpdySession>();
  // ws refuses "SPDY/3.1+portforward.k8s.io" as a sub-protocol ("/" is not a token character),
  // so the handler checks the offer, hides it from ws, and we name it in the 101 ourselves.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  wss.on("headers", (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${WEBSOCKET_PORT_FORWARD_PROTOCOL}`));
  app.addHook("preClose", (done) => {
    for (const s of sessions) s.destroy();
    sessions.clear();
    wss.close();
    done();
  });

  const handler = async (req: FastifyRequest<{ Params: { namespace: string; pod: string } }>, reply: FastifyReply): Promise<void> => {
    const kind = portForwardUpgrade(req.raw);
    if (!kind) throw badRequest("Upgrade request required: port-forward is served over SPDY/3.1 or WebSocket (SPDY/3.1+portforward.k8s.io)");
    const offered = offeredProtocols(req.raw, kind);
    const wanted = kind === "websocket" ? WEBSOCKET_PORT_FORWARD_PROTOCOL : PORT_FORWARD_PROTOCOL_V1;
    // SPDY clients of old sent no protocol header (Kubernetes still accepts that); WebSocket ones must
    if ((offered.length || kind === "websocket") && !offered.includes(wanted)) {
      throw new ApiError("Forbidden", `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server supports [${wanted}]`);
    }
    const ep = await findPodEndpoint(deps.containers, deps.nodeName, req.params.namespace, req.params.pod);
    const log = deps.logger.child({ namespace: ep.namespace, pod: ep.pod, transport: kind });
    reply.hijack();
    const socket = req.raw.socket as Duplex;
    const start = (conn: Duplex): void => {
      const session = servePortForward(conn, ep, deps.runtime, log);
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
    };
    if (kind === "websocket") {
      delete req.raw.headers["sec-websocket-protocol"];
      wss.handleUpgrade(req.raw, socket, upgradeHead(req.raw), (ws) => {
        // each SPDY write becomes one binary message; messages are read back as one byte stream
        const conn = createWebSocketStream(ws);
        conn.on("error", () => conn.destroy());
        start(conn);
      });
      return;
    }
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\n" +
        "Connection: Upgrade\r\n" +
        `Upgrade: ${SPDY_31}\r\n` +
        (offered.length ? `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL_V1}\r\n` : "") +
        "\r\n",
    );
    if ("setTimeout" in socket && typeof socket.setTimeout === "function") socket.setTimeout(0);
    const head = upgradeHead(req.raw);
    if (head.length) socket.unshift(head);
    start(socket);
  };

  // preHandler, not handler: @fastify/websocket would answer any upgrade in the handler itself.
  for (const method of ["GET", "POST"] as const) {
    app.route<{ Params: { namespace: string; pod: string } }>({
      method,
      url: "/portForward/:namespace/:pod",
      preHandler: handler,
      handler: async () => {
        throw new ApiError("InternalError", "port-forward: unreachable");
      },
    });
  }
}

/** The running holder of the pod's network on this node (its sandbox, or its only container) and its IP. */
async function findPodEndpoint(list: ContainerLister, nodeName: string, namespace: string, pod: string): Promise<PodEndpoint> {
  const holders = (await list()).filter((c) => holdsNetwork(c) && c.podNamespace === namespace && c.podName === pod);
  const running = networkHolder(holders);
  if (!running) {
    if (holders.length) throw badRequest(`pod "${pod}" is not running on node "${nodeName}"`);
    throw new ApiError("NotFound", `pod "${pod}" not found on node "${nodeName}"`);
  }
  if (!running.ip) throw new ApiError("ServiceUnavailable", `pod "${pod}" has no IP address yet`);
  return { namespace, pod, uid: running.podUid, ip: running.ip, holderId: running.id };
}

/** A forwarded connection waiting for its second stream. */
interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Serve one port-forward connection; returns its session (closed when the pod goes away). */
function servePortForward(conn: Duplex, ep: PodEndpoint, runtime: ContainerRuntime, log: Logger): SpdySession {
  const session = new SpdySession(conn, { server: true });
  const pairs = new Map<string, Pair>();
  log.debug({ ip: ep.ip }, "port-forward session started");

  session.on("stream", (stream: SpdyStream) => {
    const type = stream.header(HEADER_STREAM_TYPE);
    const portText = stream.header(HEADER_PORT) ?? "";
    const requestId = stream.header(HEADER_REQUEST_ID);
    const port = Number(portText);
    if ((type !== STREAM_TYPE_ERROR && type !== STREAM_TYPE_DATA) || !/^\d+$/.test(portText) || port < 1 || port > 65535 || requestId === undefined) {
      log.debug({ type, port: portText, requestId }, "refusing a malformed port-forward stream");
      stream.reset(RstStatus.PROTOCOL_ERROR);
      return;
    }
    stream.reply();
    const key = `${requestId}`;
    const pair = pairs.get(key) ?? {
      timer: setTimeout(() => {
        // the other half never came: give up on both, as the kubelet's stream-pair timeout does
        pairs.delete(key);
        pair.error?.reset();
        pair.data?.reset();
      }, PAIR_TIMEOUT_MS),
    };
    pairs.set(key, pair);
    if (type === STREAM_TYPE_ERROR) pair.error = stream;
    else pair.data = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(key);
      forward(pair.data, pair.error, port, ep, log);
    }
  });

  // The pod goes away (deleted, node drained): end the session so clients stop cleanly.
  const watch = runtime.watchContainer(ep.holderId, () => {
    log.info("the pod's network holder stopped: ending port-forward");
    session.close();
  });
  session.once("close", (end) => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
    watch.stop();
    log.debug({ ...end }, "port-forward session ended");
  });
  return session;
}

/** Connect to the pod and splice the data stream to it; errors go to the error stream. */
function forward(data: SpdyStream, error: SpdyStream, port: number, ep: PodEndpoint, log: Logger): void {
  // the client never writes on the error stream: drain it so its FIN is seen
  error.resume();
  const sock = net.connect({ host: ep.ip, port });
  let connected = false;
  const connectTimer = setTimeout(() => sock.destroy(new Error(`timed out after ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS);
  let failed = false;
  const fail = (e: NodeJS.ErrnoException): void => {
    if (failed) return; // one error line per connection (a destroyed socket may emit more)
    failed = true;
    const message = `error forwarding port ${port} to pod ${ep.namespace}/${ep.pod}, uid ${ep.uid}: ${connected ? "" : `failed to connect to ${ep.ip}:${port}: `}${e.code ?? e.message}`;
    log.debug({ port, err: e.code ?? e.message }, "port-forward connection failed");
    if (!error.destroyed && !error.writableEnded) error.end(message);
    if (!data.destroyed && !data.writableEnded) data.end();
  };
  sock.on("error", fail);
  sock.once("connect", () => {
    connected = true;
    clearTimeout(connectTimer);
    data.pipe(sock); // the client's FIN half-closes the pod socket
    sock.pipe(data); // the pod's FIN ends the data stream
  });
  sock.once("close", () => {
    clearTimeout(connectTimer);
    if (!error.destroyed && !error.writableEnded) error.end();
    if (!data.destroyed && !data.writableEnded) data.end();
    // whatever the client still sends has nowhere to go: discard it, or this stream's unread
    // bytes would pause the whole connection
    data.unpipe(sock);
    data.resume();
  });
  // kubectl resets the data stream once it has the reply; a reset means "drop it"
  data.once("close", () => {
    if (!sock.destroyed && (data.wasReset || !connected)) sock.destroy();
  });
  data.on("error", () => sock.destroy());
}
