/** /healthz, /livez, /readyz (open) and /metrics (authenticated). */
import type { FastifyInstance } from "fastify";
import { RESOURCES } from "../../lib/kinds.js";
import type { ServerContext } from "../context.js";
import { rid } from "../registry.js";

/** Paths served without a token. */
export const OPEN_PATHS = new Set(["/healthz", "/livez", "/readyz", "/version"]);

export function healthRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const ok = (_req: unknown, reply: import("fastify").FastifyReply) => reply.type("text/plain").send("ok");
  app.get("/healthz", ok);
  app.get("/livez", ok);
  app.get("/readyz", (_req, reply) => (ctx.shuttingDown ? reply.code(503).type("text/plain").send("shutting down") : reply.type("text/plain").send("ok")));
  app.get("/metrics", (_req, reply) =>
    reply.type("text/plain; version=0.0.4").send(
      ctx.metrics.render({
        openWatches: () => ctx.hub.open,
        watchCutoffs: () => ctx.hub.cutoffs,
        currentRevision: () => ctx.store.currentRevision(),
        compactedRevision: () => ctx.store.compactedRevision(),
        storeSizeBytes: () => ctx.store.sizeBytes(),
        objectCount: () => objectCount(ctx),
      }),
    ),
  );
}

function objectCount(ctx: ServerContext): number {
  let n = 0;
  for (const r of RESOURCES) n += ctx.store.count(rid(r));
  return n;
}
