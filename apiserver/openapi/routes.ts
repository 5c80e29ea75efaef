/**
 * `/openapi/v2` and `/openapi/v3[/GROUP-VERSION-PATH]`: documents built on first use and then
 * served from memory, with an ETag (If-None-Match → 304) and a pre-gzipped body for clients that
 * accept it, so a kubectl with validation on costs one small request per command, not a rebuild.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../../lib/errors.js";
import type { ServerContext } from "../context.js";
import { sendError } from "../routes/reply.js";
import { buildV2, buildV3 } from "./document.js";

/** A document ready to send. */
interface Served {
  json: string;
  gzip: Buffer;
  etag: string;
}

function serve(doc: unknown): Served {
  const json = JSON.stringify(doc);
  const hash = createHash("sha512").update(json).digest("hex").slice(0, 32).toUpperCase();
  return { json, gzip: gzipSync(json), etag: `"${hash}"` };
}

/** Built once per process: the schemas do not change while the server runs. */
let v2: Served | undefined;
let v3: Map<string, Served> | undefined;
let v3Index: Served | undefined;

function documents(): { v2: Served; v3: Map<string, Served>; index: Served } {
  if (!v2 || !v3 || !v3Index) {
    v2 = serve(buildV2());
    v3 = new Map([...buildV3()].map(([k, d]) => [k, serve(d)]));
    const paths = Object.fromEntries([...v3].map(([k, s]) => [k, { serverRelativeURL: `/openapi/v3/${k}?hash=${s.etag.slice(1, -1)}` }]));
    v3Index = serve({ paths });
  }
  return { v2, v3, index: v3Index };
}

function send(req: FastifyRequest, reply: FastifyReply, s: Served): FastifyReply {
  reply.header("etag", s.etag).header("vary", "Accept-Encoding").header("content-type", "application/json");
  // A hash in the URL names an immutable version (kubectl caches by it).
  reply.header("cache-control", (req.query as Record<string, unknown>).hash ? "public, immutable" : "no-cache, private");
  if (req.headers["if-none-match"] === s.etag) return reply.code(304).send();
  if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) return reply.code(200).header("content-encoding", "gzip").send(s.gzip);
  return reply.code(200).send(s.json);
}

/** Kubernetes serves v2 as protobuf to clients that ask only for that; kctl speaks JSON. */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((t) => /^\s*(application\/json|\*\/\*|application\/\*)/.test(t));
}

/** Register the OpenAPI routes. */
export function openApiRoutes(app: FastifyInstance, _ctx: ServerContext): void {
  app.get("/openapi/v2", (req, reply) => {
    if (!acceptsJson(req.headers.accept)) {
      return sendError(reply, new ApiError("NotAcceptable", "only application/json is supported for /openapi/v2"));
    }
    return send(req, reply, documents().v2);
  });
  app.get("/openapi/v3", (req, reply) => send(req, reply, documents().index));
  app.get("/openapi/v3/*", (req, reply) => {
    const key = (req.params as { "*": string })["*"].replace(/\/+$/, "");
    const doc = documents().v3.get(key);
    if (!doc) return sendError(reply, new ApiError("NotFound", `the server could not find the requested resource (OpenAPI document for ${key})`));
    return send(req, reply, doc);
  });
}
