/**
 * The kubelet's HTTP server: container logs (`GET /containerLogs/{ns}/{pod}/{container}`) and
 * exec and attach over WebSocket (`GET /exec|attach/{ns}/{pod}/{container}`, Kubernetes channel
 * protocol v4/v5). The API server proxies `pods/{name}/log`, `exec` and `attach` here. See README.md.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, unauthorized } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { bearerMatches, peerIsApiServer } from "./auth.js";
import { selectProtocol } from "./channel-protocol.js";
import { findInstance, type ContainerLister, type ContainerRef } from "./containers.js";
import { DockerRuntime } from "../runtime/docker-runtime.js";
import type { ContainerRuntime } from "../runtime/types.js";
import { runExecSession } from "./exec.js";
import { runAttachSession } from "./attach.js";
import { registerPortForwardRoutes } from "./port-forward.js";
import { streamLogs } from "./logs.js";
import { parseAttachQuery, parseExecQuery, parseLogQuery, type QueryValues } from "./query.js";
import { parseListen } from "../../lib/address.js";
import { SCHEMALESS } from "../../lib/fastify-schemaless.js";

/** Options of {@link startKubeletServer}. */
export interface KubeletServerOptions {
  /** the container runtime logs, exec and port-forward go through */
  runtime?: ContainerRuntime;
  /** this node's containers; default `runtime.listContainers()` (the kubelet passes one that reuses its cache) */
  containers?: ContainerLister;
  /** a dockerode client, for callers that have no runtime (wrapped in a DockerRuntime) */
  docker?: ConstructorParameters<typeof DockerRuntime>[0];
  /** this node's name: only containers labelled `kctl.io/node=<nodeName>` are served */
  nodeName: string;
  /** "host:port"; port 0 picks a free port */
  listen: string;
  logger: Logger;
  /** when set, every request must carry `Authorization: Bearer <authToken>` (plain HTTP, legacy) */
  authToken?: string;
  /**
   * Serve HTTPS with this CA-signed certificate and accept only clients presenting a certificate
   * signed by `caPem` with the API server's kubelet-client name (mutual TLS).
   */
  tls?: { certPem: string; keyPem: string; caPem: string };
}

/** A running kubelet server. */
export interface KubeletServer {
  /** the port actually bound */
  port: number;
  close(): Promise<void>;
}

type RefParams = { Params: ContainerRef; Querystring: QueryValues };

/** Start the kubelet server; resolves once it listens. */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const { default: Fastify } = await import("fastify");
  const { default: websocket } = await import("@fastify/websocket");
  const { nodeName, logger } = opts;
  const log = logger.child({ subsystem: "kubelet-server" });
  const runtime = opts.runtime ?? (opts.docker ? new DockerRuntime(opts.docker, nodeName, log) : undefined);
  if (!runtime) throw new Error("startKubeletServer needs a runtime");
  const containers: ContainerLister = opts.containers ?? (() => runtime.listContainers());

  const app = opts.tls
    ? Fastify({
        ...SCHEMALESS,
        logger: false,
        forceCloseConnections: true,
        // requestCert + rejectUnauthorized: the handshake fails without a CA-signed client cert.
        https: { cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.caPem, requestCert: true, rejectUnauthorized: true },
      }) as unknown as FastifyInstance
    : Fastify({ ...SCHEMALESS, logger: false, forceCloseConnections: true });
  await app.register(websocket, {
    options: {
      handleProtocols: (offered: Set<string>) => selectProtocol(offered) ?? false,
      maxPayload: 16 * 1024 * 1024,
    },
  });

  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    const e = err instanceof ApiError ? err : new ApiError("InternalError", err instanceof Error ? err.message : String(err));
    if (e.code >= 500) log.warn({ err: e.message }, "request failed");
    if (!reply.sent) void reply.code(e.code).type("application/json").send(e.toStatus());
  });

  if (opts.tls) {
    // Signed by the CA is not enough: every node's kubelet certificate is too. Only the API
    // server's kubelet-client certificate may call.
    app.addHook("onRequest", async (req) => {
      if (req.url === "/healthz") return;
      if (!peerIsApiServer(req.raw.socket)) throw new ApiError("Forbidden", "only the API server may call the kubelet");
    });
  } else if (opts.authToken) {
    const token = opts.authToken;
    app.addHook("onRequest", async (req) => {
      if (req.url === "/healthz") return;
      if (!bearerMatches(req.headers.authorization, token)) throw unauthorized();
    });
  }

  app.get("/healthz", async () => "ok");

  app.get<RefParams>("/containerLogs/:namespace/:pod/:container", async (req, reply) => {
    const q = parseLogQuery(req.query);
    const inst = await findInstance(containers, nodeName, req.params, q.previous);
    reply.hijack();
    try {
      await streamLogs(runtime, inst.id, q, reply.raw);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      log.warn({ err: message, ...req.params }, "logs failed");
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { "content-type": "application/json" });
        reply.raw.end(JSON.stringify(new ApiError("InternalError", message).toStatus()));
      } else reply.raw.destroy();
    }
  });

  app.route<RefParams>({
    method: "GET",
    url: "/exec/:namespace/:pod/:container",
    // Runs before the upgrade: a bad request or a missing container is an HTTP error, not a socket.
    preValidation: async (req) => {
      const execReq = parseExecQuery(req.query);
      const inst = await findInstance(containers, nodeName, req.params);
      if (inst.state !== "running") {
        throw new ApiError("BadRequest", `container "${req.params.container}" in pod "${req.params.pod}" is not running (${inst.state})`);
      }
      execTargets.set(req.raw, { id: inst.id, execReq });
    },
    handler: async (_req, reply) => {
      throw new ApiError("BadRequest", "Upgrade request required");
    },
    wsHandler: (socket, req) => {
      const target = execTargets.get(req.raw);
      execTargets.delete(req.raw);
      if (!target) {
        socket.close(1011, "no exec target");
        return;
      }
      const l = log.child({ ...(req.params as ContainerRef), protocol: socket.protocol || "none" });
      void runExecSession(runtime, target.id, target.execReq, socket, l);
    },
  });

  app.route<RefParams>({
    method: "GET",
    url: "/attach/:namespace/:pod/:container",
    // as exec: a bad request or a container that is not running is an HTTP error, not a socket
    preValidation: async (req) => {
      const attachReq = parseAttachQuery(req.query);
      const inst = await findInstance(containers, nodeName, req.params);
      if (inst.state !== "running") {
        throw new ApiError("BadRequest", `container "${req.params.container}" in pod "${req.params.pod}" is not running (${inst.state})`);
      }
      attachTargets.set(req.raw, { id: inst.id, attachReq });
    },
    handler: async () => {
      throw new ApiError("BadRequest", "Upgrade request required");
    },
    wsHandler: (socket, req) => {
      const target = attachTargets.get(req.raw);
      attachTargets.delete(req.raw);
      if (!target) {
        socket.close(1011, "no attach target");
        return;
      }
      void runAttachSession(runtime, target.id, target.attachReq, socket, log.child({ ...(req.params as ContainerRef), protocol: socket.protocol || "none" }));
    },
  });

  registerPortForwardRoutes(app, { runtime, containers, nodeName, logger: log });

  const { host, port } = parseListen(opts.listen);
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  log.info({ host, port: bound, node: nodeName }, "kubelet server listening");
  return {
    port: bound,
    close: async () => {
      await app.close();
    },
  };
}

const execTargets = new WeakMap<IncomingMessage, { id: string; execReq: ReturnType<typeof parseExecQuery> }>();
const attachTargets = new WeakMap<IncomingMessage, { id: string; attachReq: ReturnType<typeof parseAttachQuery> }>();

