/**
 * Kubernetes' port-forward protocol (`portforward.k8s.io`) on top of SPDY, the names its three
 * parties share (kctl, the API server, the kubelet):
 *
 * ```
 *  upgrade: POST|GET /api/v1/namespaces/NS/pods/NAME/portforward
 *    SPDY:      Connection: Upgrade, Upgrade: SPDY/3.1, X-Stream-Protocol-Version: portforward.k8s.io
 *    WebSocket: Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io  (SPDY bytes in binary messages;
 *               kubectl >= 1.31 tries this first, then falls back to SPDY)
 *  per forwarded connection, the client opens two streams with the same requestid:
 *    streamtype: error, port: P, requestid: N   (client half-closes at once; server writes an error text, then FIN)
 *    streamtype: data,  port: P, requestid: N   (the TCP bytes, both ways)
 * ```
 */
import type { IncomingMessage } from "node:http";

export const PORT_FORWARD_PROTOCOL_V1 = "portforward.k8s.io";
export const SPDY_31 = "SPDY/3.1";
/** kubectl's WebSocket sub-protocol for SPDY tunnelled over WebSocket. */
export const WEBSOCKET_SPDY_TUNNEL_PREFIX = "SPDY/3.1+";
export const WEBSOCKET_PORT_FORWARD_PROTOCOL = `${WEBSOCKET_SPDY_TUNNEL_PREFIX}${PORT_FORWARD_PROTOCOL_V1}`;
/** The HTTP header a SPDY upgrade negotiates its protocol with. */
export const STREAM_PROTOCOL_HEADER = "x-stream-protocol-version";

export const HEADER_STREAM_TYPE = "streamtype";
export const HEADER_PORT = "port";
export const HEADER_REQUEST_ID = "requestid";
export const STREAM_TYPE_ERROR = "error";
export const STREAM_TYPE_DATA = "data";

/** How a port-forward request asks to upgrade. */
export type PortForwardUpgrade = "websocket" | "spdy" | undefined;

/** Which upgrade (if any) `req` asks for. */
export function portForwardUpgrade(req: IncomingMessage): PortForwardUpgrade {
  const up = String(req.headers.upgrade ?? "").toLowerCase();
  if (up === "websocket") return "websocket";
  if (up.split(",").some((u) => u.trim() === SPDY_31.toLowerCase())) return "spdy";
  return undefined;
}

/** The sub-protocols / stream protocols the client offered (either header, comma-separated). */
export function offeredProtocols(req: IncomingMessage, kind: "websocket" | "spdy"): string[] {
  const raw = kind === "websocket" ? req.headers["sec-websocket-protocol"] : req.headers[STREAM_PROTOCOL_HEADER];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((v) => v.split(",")).map((p) => p.trim()).filter(Boolean);
}

/**
 * Bytes the client sent right after its upgrade request: @fastify/websocket keeps them on the
 * request (normally none: clients wait for the 101).
 */
export function upgradeHead(raw: IncomingMessage): Buffer {
  for (const s of Object.getOwnPropertySymbols(raw)) {
    if (s.description === "ws-head") {
      const v = (raw as unknown as Record<symbol, unknown>)[s];
      if (Buffer.isBuffer(v)) return v;
    }
  }
  return Buffer.alloc(0);
}
