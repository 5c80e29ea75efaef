/**
 * `GET|POST pods/{name}/portforward`: the API server's part of `kubectl port-forward`. Like exec
 * (pod-proxy.ts), it authorizes the caller (`create` on `pods/portforward`), checks the pod is
 * Running on a node, and relays the client's upgrade to that node's kubelet byte for byte, so the
 * protocol (SPDY/3.1, or SPDY tunnelled in WebSocket) is negotiated between client and kubelet:
 *
 * ```
 *  kubectl ──upgrade──> API server ──same upgrade, our credentials──> kubelet /portForward/NS/POD
 *          <──101───────            <──101 (relayed as is)──────────
 *          <═══════════ bytes piped both ways until either side closes ═══════════>
 * ```
 * Kubernetes' API server unwraps the WebSocket tunnel itself and speaks SPDY to the kubelet; here
 * the kubelet accepts both, which keeps this route a plain relay.
 */
import type http from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badRequest, notFound } from "../../lib/errors.js";
import { offeredProtocols, portForwardUpgrade, SPDY_31, STREAM_PROTOCOL_HEADER } from "../../lib/spdy/port-forward.js";
import type { Pod } from "../../lib/types.js";
import type { RouteModule } from "../context.js";
import { bearer, kubeletEndpoint, podProxyOptions, spliceUpgrade, streamTracker, upgradeKubelet, type PodProxyOptions } from "./pod-proxy.js";

type PortForwardRequest = FastifyRequest<{ Params: { namespace: string; name: string } }>;

/** The route module (one line in routes/index.ts). */
export const portForwardRoutes: RouteModule = (app, ctx) => registerPortForwardRoutes(app, podProxyOptions(ctx));

/** Register GET|POST /api/v1/namespaces/:namespace/pods/:name/portforward on `app`. */
export function registerPortForwardRoutes(app: FastifyInstance, opts: PodProxyOptions): void {
  const timeoutMs = opts.kubeletTimeoutMs ?? 10_000;
  const token = (): string | undefined => (typeof opts.kubeletToken === "function" ? opts.kubeletToken() : opts.kubeletToken);
  const track = streamTracker(app);

  const handler = async (req: PortForwardRequest, reply: FastifyReply): Promise<void> => {
    const { namespace, name } = req.params;
    opts.authorize?.(req, "create", "pods/portforward", namespace, name);
    const kind = portForwardUpgrade(req.raw);
    if (!kind) throw badRequest("Upgrade request required: port-forward is served over SPDY/3.1 or WebSocket (SPDY/3.1+portforward.k8s.io)");
    const pod = opts.store.get("pods", namespace, name)?.object() as Pod | undefined;
    if (!pod) throw notFound("pods", name);
    const phase = pod.status?.phase ?? "Pending";
    // kubectl's own check and wording (it makes it client-side before connecting)
    if (phase !== "Running") throw badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
    if (!pod.spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    const target = kubeletEndpoint(opts.store, pod.spec.nodeName, name);

    const headers: http.OutgoingHttpHeaders = { connection: "Upgrade", authorization: opts.kubeletTls ? undefined : bearer(token()) };
    if (kind === "websocket") {
      headers.upgrade = "websocket";
      for (const h of ["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions"]) {
        if (req.headers[h] !== undefined) headers[h] = req.headers[h];
      }
      // the caller's credentials never reach the kubelet, even as a bearer-token subprotocol
      const protocols = offeredProtocols(req.raw, "websocket").filter((p) => !p.startsWith("base64url.bearer.authorization.k8s.io."));
      if (protocols.length) headers["sec-websocket-protocol"] = protocols.join(", ");
    } else {
      headers.upgrade = SPDY_31;
      const protocols = offeredProtocols(req.raw, "spdy");
      if (protocols.length) headers[STREAM_PROTOCOL_HEADER] = protocols.join(", ");
    }
    const path = `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
    const up = await upgradeKubelet({ ...target, container: "" }, path, headers, timeoutMs, opts.kubeletTls);
    // (a refusal: the pod is gone from the node, a protocol it does not speak)
    if (!(await spliceUpgrade(req, reply, up, track))) return;
    opts.logger?.debug({ namespace, name, node: target.node, transport: kind }, "port-forward proxied");
  };

  // preHandler (not handler): @fastify/websocket would complete a WebSocket handshake itself.
  for (const method of ["GET", "POST"] as const) {
    app.route({
      method,
      url: "/api/v1/namespaces/:namespace/pods/:name/portforward",
      preHandler: handler,
      handler: async () => {
        throw new ApiError("InternalError", "port-forward proxy: unreachable");
      },
    });
  }
}
