/**
 * The generic resource routes: every kind in lib/kinds.ts under /api/v1 and /apis/GROUP/VERSION,
 * namespaced and all-namespaces, with the status, scale and binding subresources. One wildcard
 * route per prefix keeps routing uniform (404/405 as Kubernetes answers them); a more specific
 * route registered by another module (pods/{name}/log) wins over the wildcard.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { ApiError, forbidden, methodNotAllowed } from "../../lib/errors.js";
import { groupVersion } from "../../lib/kinds.js";
import type { ServerContext } from "../context.js";
import { addWarnings, parseFieldValidation, validateFields } from "../field-validation.js";
import { deprecationWarning } from "../../lib/legacy-versions.js";
import { applyPatch } from "../patch/index.js";
import { schemaOfKind } from "../../lib/schema/index.js";
import { managerOf, type Writer } from "../fieldmanager/managed-fields.js";
import { checkApplyConfig, serverSideApply } from "./apply.js";
import { rid } from "../registry.js";
import { strategyFor } from "../strategies/index.js";
import { decodeObjectBody, decodeOptionalBody, decodePatchBody } from "../request-body.js";
import type { StoredObject } from "../store/store.js";
import { parseResourcePath, type ResourcePath } from "./paths.js";
import { boolParam, parseDeleteOptions, parseFilter, parseListOptions, parseResourceVersion, qp, selectedName, type Query } from "./query.js";
import { sendError, sendJson, successStatus, toApiError } from "./reply.js";
import { checkWatchQuery, httpSink, startWatch, wsSink } from "./watch.js";
import { parseIncludeObject, TABLE_CONTENT_TYPE, tableJson, wantsTable, type IncludeObject } from "./table.js";
import { eventLine } from "../watch/watcher.js";

/** Register the resource routes. */
export function resourceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const handler = (req: FastifyRequest, reply: FastifyReply) => handle(ctx, req, reply);
  const wsHandler = (socket: WebSocket, req: FastifyRequest) => handleWebSocket(ctx, socket, req);
  for (const prefix of ["/api/*", "/apis/*"]) {
    app.route({ method: "GET", url: prefix, handler, wsHandler });
    app.route({ method: ["POST", "PUT", "PATCH", "DELETE"], url: prefix, handler });
    app.route({ method: ["OPTIONS", "TRACE"], url: prefix, handler: methodNotSupported });
  }
}

function methodNotSupported(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, methodNotAllowed(`the server does not allow this method on the requested resource (${req.method})`));
}

/** The Kubernetes verb of a request on a parsed path. */
function verbOf(method: string, rp: ResourcePath, q: Query): string {
  switch (method) {
    case "GET":
    case "HEAD":
      if (boolParam(q, "watch")) return "watch";
      return rp.name === undefined ? "list" : "get";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return rp.name === undefined ? "deletecollection" : "delete";
    default:
      return method.toLowerCase();
  }
}

function authorize(ctx: ServerContext, req: FastifyRequest, verb: string, rp: ResourcePath): void {
  const user = req.kctlUser;
  if (!user) return;
  const resource = rp.subresource ? `${rp.ri.plural}/${rp.subresource}` : rp.ri.plural;
  const name = rp.name ?? (verb === "list" || verb === "watch" ? selectedName(req.query as Query) : undefined);
  const ok = ctx.auth.authorize(user, verb, resource, rp.namespace, name);
  if (ok !== true) throw forbidden(`${resource}${rp.ri.group ? `.${rp.ri.group}` : ""} is forbidden: ${ok}`);
}

/** The resource of the request's canonical path (parsed once, in app.ts's onRequest hook). */
function resolve(req: FastifyRequest): ResourcePath {
  const rp = req.kctlPath ? parseResourcePath(req.kctlPath) : undefined;
  if (!rp) throw new ApiError("NotFound", "the server could not find the requested resource");
  return rp;
}

async function handle(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
  const q = req.query as Query;
  const rp = resolve(req);
  const verb = verbOf(req.method, rp, q);
  req.kctlInfo = { verb, resource: rp.subresource ? `${rp.ri.plural}/${rp.subresource}` : rp.ri.plural };
  authorize(ctx, req, verb, rp);
  const { ri, namespace, name, subresource } = rp;
  const dryRun = parseDryRun(qp(q, "dryRun"), verb, subresource);
  const fieldValidation = verb === "create" || verb === "update" || verb === "patch" ? parseFieldValidation(qp(q, "fieldValidation")) : "Ignore";
  /** Field validation of a body or a patch's result (scale and binding bodies are not the kind's). */
  const checked = <T>(obj: T): T => {
    addWarnings(reply, validateFields(ri, obj, fieldValidation));
    return obj;
  };
  // An old group/version, in the path or else in the body, gets Kubernetes' deprecation warning.
  let warnedOld = false;
  const warnOld = (apiVersion: unknown) => {
    const w = warnedOld ? undefined : deprecationWarning(ri, typeof apiVersion === "string" ? apiVersion : undefined);
    if (w) addWarnings(reply, [w]);
    warnedOld ||= !!w;
  };
  warnOld(rp.gv);
  const checkedBody = <T>(obj: T): T => {
    if (typeof obj === "object" && obj !== null) warnOld((obj as { apiVersion?: unknown }).apiVersion);
    return checked(obj);
  };
  // Who writes (managedFields): fieldManager, else the client's User-Agent product.
  const fieldManager = qp(q, "fieldManager");
  const writer: Writer = { manager: managerOf(fieldManager, req.headers["user-agent"]), apiVersion: groupVersion(ri) };
  if (ri.namespaced && namespace === undefined && verb !== "list" && verb !== "watch") {
    throw methodNotAllowed(`${verb} is not supported on ${ri.plural} across all namespaces; use /namespaces/{namespace}/${ri.plural}`);
  }
  const reg = ctx.registry;
  // The caller, for admission (authz/admission.ts: checks on the object itself).
  const user = req.kctlUser ?? undefined;
  // Writes are visible at once but group-committed: answer only once they are durable.
  // A request in an old group/version is answered in that version, as Kubernetes converts
  // (kctl's versions differ only in apiVersion), so kubectl's apply sees no spurious change.
  const canonical = groupVersion(ri);
  const answer = rp.gv === canonical ? (json: string) => json : (json: string) => inVersion(json, canonical, rp.gv);
  const send = async (code: number, body: string): Promise<FastifyReply> => {
    await reg.sync();
    return sendJson(reply, code, answer(body));
  };
  // A write that lost only to this server's stale view (another API server on the same etcd wrote
  // first) runs again from the top, body decoded afresh (Registry.retrying).
  return reg.retrying(async () => {
    switch (verb) {
      case "watch":
        return serveHttpWatch(ctx, rp, q, reply, wantsTable(req.headers.accept));
      case "list":
        if (wantsTable(req.headers.accept)) return sendTable(reply, listBody(ctx, rp, q, parseIncludeObject(qp(q, "includeObject"))));
        return sendJson(reply, 200, answer(listBody(ctx, rp, q)));
      case "get": {
        parseResourceVersion(qp(q, "resourceVersion"));
        if (subresource === "scale") return sendJson(reply, 200, JSON.stringify(reg.getScale(ri, namespace, name!)));
        if (subresource !== undefined && subresource !== "status") throw methodNotAllowed(`GET is not supported on ${ri.plural}/${subresource}`);
        const e = reg.get(ri, namespace, name!);
        if (wantsTable(req.headers.accept) && subresource === undefined) {
          return sendTable(reply, tableJson(ri.kind, [e], `{"resourceVersion":"${e.rev}"}`, parseIncludeObject(qp(q, "includeObject"))));
        }
        return sendJson(reply, 200, answer(e.json));
      }
      case "create": {
        const body = decodeObjectBody(req.body, req.headers["content-type"]);
        if (name === undefined) return send(201, (await reg.create(ri, namespace, checkedBody(body), dryRun, user, writer)).json);
        if (subresource === "binding") {
          await reg.bind(namespace ?? "default", name, body);
          return send(201, JSON.stringify(successStatus(201)));
        }
        throw methodNotAllowed(`POST is not supported on a single ${ri.singular}`);
      }
      case "update": {
        if (name === undefined) throw methodNotAllowed(`PUT is not supported on a collection of ${ri.plural}`);
        const body = decodeObjectBody(req.body, req.headers["content-type"]);
        if (subresource === "scale") return send(200, JSON.stringify(await reg.updateScale(ri, namespace, name, body)));
        if (subresource === "status") return send(200, (await reg.updateStatus(ri, namespace, name, checked(body), user, writer)).json);
        if (subresource !== undefined) throw methodNotAllowed(`PUT is not supported on ${ri.plural}/${subresource}`);
        return send(200, (await reg.update(ri, namespace, name, checkedBody(body), dryRun, user, writer)).json);
      }
      case "patch": {
        if (name === undefined) throw methodNotAllowed(`PATCH is not supported on a collection of ${ri.plural}`);
        const { kind, patch } = decodePatchBody(req.body, req.headers["content-type"]);
        const force = boolParam(q, "force");
        if (force && kind !== "apply") throw new ApiError("BadRequest", "force: Forbidden: may not be specified for non-apply patch");
        if (kind === "apply") {
          const config = checkedBody(checkApplyConfig(ri, name, patch));
          const { entry, created } = await serverSideApply(reg, { ri, namespace, name, subresource, config, writer, fieldManager, force, dryRun, user });
          return send(created ? 201 : 200, entry.json);
        }
        if (subresource === "scale") {
          const patched = applyPatch(kind, reg.currentScale(ri, namespace, name), patch);
          return send(200, JSON.stringify(await reg.updateScale(ri, namespace, name, patched)));
        }
        const cur = reg.current(ri, namespace, name);
        const patched = applyPatch(kind, JSON.parse(cur.json) as unknown, patch, schemaOfKind(ri.kind));
        if (subresource === "status") return send(200, (await reg.updateStatus(ri, namespace, name, checked(patched), user, writer)).json);
        if (subresource !== undefined) throw methodNotAllowed(`PATCH is not supported on ${ri.plural}/${subresource}`);
        return send(200, (await reg.update(ri, namespace, name, checked(patched), dryRun, user, writer)).json);
      }
      case "delete": {
        if (subresource !== undefined) throw methodNotAllowed(`DELETE is not supported on ${ri.plural}/${subresource}`);
        const opts = parseDeleteOptions(decodeOptionalBody(req.body, req.headers["content-type"]), q);
        const res = await reg.delete(ri, namespace, name!, opts);
        // Some kinds answer with the object (Pods, Services, as in Kubernetes); others with a Status once gone.
        if (!res.removed || strategyFor(ri.kind).deleteAnswersWithObject) return send(200, res.json);
        return send(200, JSON.stringify(successStatus(200, { name, group: ri.group, kind: ri.plural, uid: res.obj.metadata.uid })));
      }
      case "deletecollection": {
        const opts = parseDeleteOptions(decodeOptionalBody(req.body, req.headers["content-type"]), q);
        const { items } = selected(ctx, rp, q);
        const done = await reg.deleteCollection(ri, namespace, items, opts);
        return send(200, JSON.stringify({ kind: `${ri.kind}List`, apiVersion: groupVersion(ri), metadata: { resourceVersion: String(reg.revision()) }, items: done }));
      }
      default:
        throw methodNotAllowed(`${req.method} is not supported`);
    }
  });
}

/** `json` (an object or a list) with `from` apiVersions written as `to`. */
function inVersion(json: string, from: string, to: string): string {
  const v = JSON.parse(json) as { apiVersion?: string; items?: { apiVersion?: string }[] };
  if (v.apiVersion === from) v.apiVersion = to;
  for (const i of v.items ?? []) if (i.apiVersion === from) i.apiVersion = to;
  return JSON.stringify(v);
}

/**
 * `dryRun=All` (the only value Kubernetes defines) on create, update and patch of the main
 * resource: validate and answer as if written, write nothing. Anywhere else it is refused rather
 * than ignored, so a client never writes for real when it asked not to.
 */
function parseDryRun(value: string | undefined, verb: string, subresource: string | undefined): boolean {
  if (value === undefined) return false;
  if (value !== "All") throw new ApiError("BadRequest", `dryRun: unsupported value "${value}": the only supported value is "All"`);
  if (subresource !== undefined || (verb !== "create" && verb !== "update" && verb !== "patch")) {
    throw new ApiError("BadRequest", `dryRun is supported only for create, update and patch of ${subresource ? "the main resource" : "objects"}, not ${verb}${subresource ? ` of ${subresource}` : ""}`);
  }
  return true;
}

/** Objects of a collection that pass the request's selectors, in key order, and their revision. */
function selected(ctx: ServerContext, rp: ResourcePath, q: Query): { rev: number; items: StoredObject[] } {
  return ctx.registry.list(rp.ri, parseFilter(q, rp.ri.namespaced ? rp.namespace : undefined));
}

interface ContinueToken {
  ns: string;
  name: string;
}

function sendTable(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header("content-type", TABLE_CONTENT_TYPE).send(body);
}

/**
 * A list body built by concatenating stored JSON (no re-serialization), with limit/continue;
 * a Table instead when `table` says what to include.
 */
function listBody(ctx: ServerContext, rp: ResourcePath, q: Query, table?: IncludeObject): string {
  const opts = parseListOptions(q);
  const sel = selected(ctx, rp, q);
  const rev = sel.rev;
  // A list is always served at the newest committed revision: that satisfies NotOlderThan for any
  // revision up to it; Exact can only be met for the newest, and a revision not reached yet is
  // Kubernetes' "Too large resource version" (504 Timeout) rather than a silently older answer.
  if (opts.resourceVersion !== undefined && opts.resourceVersion > rev) {
    throw new ApiError("Timeout", `Too large resource version: ${opts.resourceVersion}, current: ${rev}`);
  }
  if (opts.resourceVersionMatch === "Exact" && opts.resourceVersion !== undefined && opts.resourceVersion !== rev) {
    throw new ApiError("Expired", `too old resource version: ${opts.resourceVersion} (${rev}): kctl serves lists at the newest revision only`);
  }
  let items = sel.items;
  const cont = opts.continueToken;
  if (cont) {
    let tok: ContinueToken;
    try {
      tok = JSON.parse(Buffer.from(cont, "base64url").toString("utf8")) as ContinueToken;
      if (typeof tok.ns !== "string" || typeof tok.name !== "string") throw new Error("bad token");
    } catch {
      throw new ApiError("BadRequest", "invalid continue token");
    }
    items = items.filter((e) => e.namespace > tok.ns || (e.namespace === tok.ns && e.name > tok.name));
  }
  const limit = opts.limit ?? 0;
  let meta = `{"resourceVersion":"${rev}"}`;
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1]!;
    const token = Buffer.from(JSON.stringify({ ns: last.namespace, name: last.name } satisfies ContinueToken)).toString("base64url");
    meta = `{"resourceVersion":"${rev}","continue":"${token}","remainingItemCount":${items.length - limit}}`;
    items = items.slice(0, limit);
  }
  if (table) return tableJson(rp.ri.kind, items, meta, table);
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) parts[i] = items[i]!.json;
  return `{"kind":"${rp.ri.kind}List","apiVersion":"${groupVersion(rp.ri)}","metadata":${meta},"items":[${parts.join(",")}]}`;
}

function serveHttpWatch(ctx: ServerContext, rp: ResourcePath, q: Query, reply: FastifyReply, asTable: boolean): void {
  // Validate the whole query before hijacking, so a bad value is still a normal 400 Status.
  checkWatchQuery(rp, q);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": asTable ? TABLE_CONTENT_TYPE : "application/json", "cache-control": "no-cache, private", "transfer-encoding": "chunked" });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  const stop = startWatch(ctx, rp, q, httpSink(reply), asTable);
  res.on("close", stop);
}

function handleWebSocket(ctx: ServerContext, socket: WebSocket, req: FastifyRequest): void {
  const rp = req.kctlPath ? parseResourcePath(req.kctlPath) : undefined;
  const fail = (e: ApiError) => {
    socket.send(eventLine("ERROR", JSON.stringify(e.toStatus())).trimEnd());
    socket.close(1000);
  };
  if (!rp || rp.subresource !== undefined) return fail(new ApiError("NotFound", "the server could not find the requested resource"));
  try {
    authorize(ctx, req, "watch", rp);
    const stop = startWatch(ctx, rp, req.query as Query, wsSink(socket));
    socket.on("close", stop);
    ctx.metrics.observe("watch", rp.ri.plural, 101, 0);
  } catch (e) {
    fail(toApiError(e));
  }
}

