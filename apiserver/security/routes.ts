/**
 * kctl's security endpoints (see pki/README.md):
 *
 *   GET    /cacerts                                  the cluster CA, unauthenticated (k3s): a
 *                                                    joining agent checks it against its token
 *   POST   /apis/kctl.io/v1/nodecredentials          join token (or the node's own credential,
 *                                                    or an admin) -> node credential + kubelet cert
 *   GET|POST /apis/kctl.io/v1/jointokens, DELETE .../jointokens/{id}     cluster admins
 *   GET|POST /apis/kctl.io/v1/usertokens, DELETE .../usertokens/{id}     cluster admins
 *
 * Token values appear only in the response that creates them; requests are never logged with
 * bodies or headers.
 */
import type { FastifyRequest } from "fastify";
import { ApiError, badRequest, forbidden, notFound, unauthorized } from "../../lib/errors.js";
import { caHash, formatJoinToken } from "../../lib/join-token.js";
import type { Role, User } from "./auth.js";
import type { RouteModule } from "../context.js";
import { issueNodeCredential, validNodeName } from "./node-credentials.js";
import { sendJson } from "../routes/reply.js";

/** Paths served without a token (added to the app's open paths). */
export const SECURITY_OPEN_PATHS = new Set(["/cacerts"]);

export const KCTL_GROUP_PATH = "/apis/kctl.io/v1";
const USER_ROLES = new Set<Role>(["admin", "edit", "view"]);
const MAX_TTL_MS = 10 * 365 * 86_400_000;

function body(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body;
  if (raw === undefined || raw === null || (Buffer.isBuffer(raw) && raw.length === 0)) return {};
  try {
    const v = JSON.parse(Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest("the request body must be a JSON object");
}

function optString(b: Record<string, unknown>, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw badRequest(`${key} must be a string`);
  return v;
}

function ttlMs(b: Record<string, unknown>): number | undefined {
  const v = b.ttlSeconds;
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v * 1000 > MAX_TTL_MS) throw badRequest("ttlSeconds must be a number of seconds between 0 (no expiry) and 10 years");
  return v * 1000;
}

/** The route module (routes/index.ts registers it with the others). */
export const securityRoutes: RouteModule = (app, ctx, now) => {
  const sec = ctx;
  const log = ctx.logger.child({ component: "security" });
  const user = (req: FastifyRequest): User => {
    if (!req.kctlUser) throw unauthorized();
    return req.kctlUser;
  };
  const requireAdmin = (req: FastifyRequest, verb: string, resource: string): User => {
    req.kctlInfo = { verb, resource };
    const u = user(req);
    const ok = ctx.auth.authorize(u, verb, resource, undefined, undefined);
    if (ok !== true) throw forbidden(`${resource}.kctl.io is forbidden: ${ok}`);
    return u;
  };
  const pki = () => {
    if (!sec.pki) throw new ApiError("ServiceUnavailable", "this server has no cluster PKI (start it with startApiServer / kctl server)");
    return sec.pki;
  };

  app.get("/cacerts", (_req, reply) => reply.code(200).header("content-type", "application/x-pem-file").send(pki().caPem));

  app.post(`${KCTL_GROUP_PATH}/nodecredentials`, async (req, reply) => {
    req.kctlInfo = { verb: "create", resource: "nodecredentials" };
    const u = user(req);
    const b = body(req);
    const nodeName = b.nodeName;
    if (!validNodeName(nodeName)) throw badRequest("nodeName must be a DNS-1123 subdomain");
    // A join token, the node itself (renewal) or a cluster admin may ask; nobody else.
    const allowed = u.role === "bootstrap" || (u.role === "node" && u.node === nodeName) || (u.role === "admin" && !u.namespace);
    if (!allowed) throw forbidden(`nodecredentials.kctl.io is forbidden: User "${u.name}" may not obtain a credential for node "${nodeName}"`);
    const addresses = Array.isArray(b.addresses) ? b.addresses.filter((a): a is string => typeof a === "string" && a.length > 0 && a.length < 254).slice(0, 16) : [];
    const csrPem = optString(b, "csr");
    let cred;
    try {
      cred = await issueNodeCredential(sec.tokens, pki(), { nodeName, addresses, csrPem, requestedBy: u.name }, now(), log);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw badRequest(`cannot sign the certificate request: ${(e as Error).message}`);
    }
    await sec.tokens.settled(); // valid on every API server before the node uses it
    return sendJson(reply, 201, JSON.stringify({ apiVersion: "kctl.io/v1", kind: "NodeCredential", nodeName, token: cred.token, certificate: cred.certPem, ca: cred.caPem }));
  });

  app.get(`${KCTL_GROUP_PATH}/jointokens`, (req, reply) => {
    requireAdmin(req, "list", "jointokens");
    return sendJson(reply, 200, JSON.stringify({ apiVersion: "kctl.io/v1", kind: "JoinTokenList", items: sec.joinTokens.list() }));
  });
  app.post(`${KCTL_GROUP_PATH}/jointokens`, async (req, reply) => {
    const u = requireAdmin(req, "create", "jointokens");
    const b = body(req);
    const kind = optString(b, "tokenKind") ?? "node";
    if (kind !== "node" && kind !== "server") throw badRequest(`tokenKind must be node or server (not "${kind}")`);
    const t = sec.joinTokens.create({ ttlMs: ttlMs(b), description: optString(b, "description"), kind });
    log.info({ id: t.id, kind, by: u.name, expires: t.info.expires }, "join token created");
    await sec.joinTokens.settled();
    const token = formatJoinToken(caHash(pki().caPem), t.id, t.secret);
    return sendJson(reply, 201, JSON.stringify({ apiVersion: "kctl.io/v1", kind: "JoinToken", ...t.info, token }));
  });
  app.delete<{ Params: { id: string } }>(`${KCTL_GROUP_PATH}/jointokens/:id`, async (req, reply) => {
    const u = requireAdmin(req, "delete", "jointokens");
    if (!sec.joinTokens.revoke(req.params.id)) throw notFound("jointokens", req.params.id, "kctl.io");
    await sec.joinTokens.settled();
    log.info({ id: req.params.id, by: u.name }, "join token revoked");
    return sendJson(reply, 200, JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 }));
  });

  app.get(`${KCTL_GROUP_PATH}/usertokens`, (req, reply) => {
    requireAdmin(req, "list", "usertokens");
    return sendJson(reply, 200, JSON.stringify({ apiVersion: "kctl.io/v1", kind: "UserTokenList", items: sec.tokens.list() }));
  });
  app.post(`${KCTL_GROUP_PATH}/usertokens`, async (req, reply) => {
    const u = requireAdmin(req, "create", "usertokens");
    const b = body(req);
    const role = optString(b, "role") ?? "view";
    if (!USER_ROLES.has(role as Role)) throw badRequest(`role must be one of admin, edit, view (not "${role}")`);
    const namespace = optString(b, "namespace");
    const description = optString(b, "description") ?? "";
    const name = optString(b, "name") ?? `${role}${namespace ? `@${namespace}` : ""}`;
    const { token, info } = sec.tokens.createTokenWithInfo(role as Role, name, { namespace, ttlMs: ttlMs(b), description });
    log.info({ id: info.id, role, namespace, by: u.name, expires: info.expires }, "user token created");
    await sec.tokens.settled();
    return sendJson(reply, 201, JSON.stringify({ apiVersion: "kctl.io/v1", kind: "UserToken", ...info, token }));
  });
  app.delete<{ Params: { id: string } }>(`${KCTL_GROUP_PATH}/usertokens/:id`, async (req, reply) => {
    const u = requireAdmin(req, "delete", "usertokens");
    if (!sec.tokens.revokeId(req.params.id)) throw notFound("usertokens", req.params.id, "kctl.io");
    await sec.tokens.settled();
    log.info({ id: req.params.id, by: u.name }, "token revoked");
    return sendJson(reply, 200, JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 }));
  });
}
