/**
 * The resource metrics API, as metrics-server serves it, from the kubelets' reports:
 *
 *   PUT  /apis/kctl.io/v1/nodemetricsreports/NODE             a kubelet's report (whoever may
 *                                                             update the node's status: the node itself)
 *   GET  /apis/metrics.k8s.io/v1beta1/nodes[/NAME]            NodeMetrics(List)   (may get/list nodes)
 *   GET  /apis/metrics.k8s.io/v1beta1/pods                    PodMetricsList, all namespaces
 *   GET  /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods[/NAME]  PodMetrics(List)  (may get/list pods)
 *
 * Lists take `labelSelector` (matched against the node's or pod's labels) and, for pods,
 * `fieldSelector` (against the pod). Read-only: every other method, and watch, is a 405 Status.
 * A report counts only for objects that still exist: a node's own, and pods still bound to that
 * node with the UID the kubelet measured.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, badRequest, forbidden, methodNotAllowed, notFound, unauthorized } from "../../lib/errors.js";
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_REPORTS_PATH, type NodeMetrics, type NodeMetricsReport, type PodMetrics } from "../../lib/metrics.js";
import { matchesFields, type FieldRequirement, type Selector } from "../../lib/selector.js";
import { rfc3339 } from "../../lib/timestamps.js";
import type { Node, Pod } from "../../lib/types.js";
import type { RouteModule, ServerContext } from "../context.js";
import { NodeMetricsCache, parseReport } from "./metrics-cache.js";
import { boolParam, parseFilter, type Query } from "./query.js";
import { sendJson, successStatus } from "./reply.js";

const BASE = `/apis/${METRICS_API_VERSION}`;
const READ_METHODS = ["GET", "HEAD"] as const;
const OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** The metrics.k8s.io/v1beta1 APIResourceList entries (discovery.ts serves them). */
export const METRICS_API_RESOURCES = [
  { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
  { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
];

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>;

/** The route module (one line in routes/index.ts). */
export const metricsRoutes: RouteModule = (app, ctx, now) => {
  const cache = new NodeMetricsCache();
  const nowMs = (): number => now().getTime();

  const authorize = (req: FastifyRequest, verb: string, resource: string, namespace: string | undefined, name: string | undefined): void => {
    req.kctlInfo = { verb, resource: resource === "nodemetricsreports" ? resource : `${resource}.${METRICS_GROUP}` };
    const user = req.kctlUser;
    if (!user) throw unauthorized();
    // metrics of a node or pod are readable by whoever may read that node or pod (metrics-server
    // has its own RBAC resources; kctl's roles have no separate rule for them).
    const ok = ctx.auth.authorize(user, verb, resource, namespace, name);
    if (ok !== true) throw forbidden(`${resource === "nodes/status" ? "nodemetricsreports.kctl.io" : `${resource}.${METRICS_GROUP}`} is forbidden: ${ok}`);
  };
  const refuse = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    req.kctlInfo = { verb: req.method.toLowerCase(), resource: "metrics" };
    return sendJson(reply, 405, JSON.stringify(methodNotAllowed(`the server does not allow this method on the requested resource (${req.method})`).toStatus()));
  };
  const readOnly = (url: string, handler: (req: Req, reply: FastifyReply) => FastifyReply): void => {
    app.route({ method: [...READ_METHODS], url, exposeHeadRoute: false, handler: (req: Req, reply) => (boolParam(req.query, "watch") ? refuse(req, reply) : handler(req, reply)) });
    app.route({ method: [...OTHER_METHODS], url, handler: refuse });
  };

  // ---- the kubelets' reports ----
  app.route({
    method: "PUT",
    url: `${METRICS_REPORTS_PATH}/:node`,
    handler: (req: Req, reply) => {
      const node = req.params.node!;
      // Only who may update the node's status (the node itself, an admin) reports its metrics.
      authorize(req, "update", "nodes/status", undefined, node);
      req.kctlInfo = { verb: "update", resource: "nodemetricsreports" };
      if (!ctx.store.get("nodes", "", node)) throw notFound("nodes", node);
      cache.put(parseReport(jsonBody(req.body), node), nowMs());
      return sendJson(reply, 200, JSON.stringify(successStatus(200)));
    },
  });
  app.route({ method: ["GET", "POST", "PATCH", "DELETE"], url: `${METRICS_REPORTS_PATH}/:node`, handler: refuse });

  // ---- nodes ----
  readOnly(`${BASE}/nodes`, (req, reply) => {
    authorize(req, "list", "nodes", undefined, undefined);
    const filter = parseFilter(req.query, undefined);
    const items: NodeMetrics[] = [];
    for (const r of cache.all(nowMs())) {
      const m = nodeMetrics(ctx, r, filter.labels, now());
      if (m) items.push(m);
    }
    items.sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    return sendJson(reply, 200, JSON.stringify({ kind: "NodeMetricsList", apiVersion: METRICS_API_VERSION, metadata: {}, items }));
  });
  readOnly(`${BASE}/nodes/:name`, (req, reply) => {
    const name = req.params.name!;
    authorize(req, "get", "nodes", undefined, name);
    const r = cache.get(name, nowMs());
    const m = r && nodeMetrics(ctx, r, undefined, now());
    if (!m) throw notFound("nodemetrics", name, METRICS_GROUP);
    return sendJson(reply, 200, JSON.stringify(m));
  });

  // ---- pods ----
  const listPods = (req: Req, reply: FastifyReply, namespace: string | undefined): FastifyReply => {
    authorize(req, "list", "pods", namespace, undefined);
    const filter = parseFilter(req.query, namespace);
    const items: PodMetrics[] = [];
    for (const r of cache.all(nowMs())) {
      for (const p of r.pods) {
        if (namespace !== undefined && p.namespace !== namespace) continue;
        const m = podMetrics(ctx, r, p, filter.labels, filter.fields, now());
        if (m) items.push(m);
      }
    }
    items.sort((a, b) => (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    return sendJson(reply, 200, JSON.stringify({ kind: "PodMetricsList", apiVersion: METRICS_API_VERSION, metadata: {}, items }));
  };
  readOnly(`${BASE}/pods`, (req, reply) => listPods(req, reply, undefined));
  readOnly(`${BASE}/namespaces/:namespace/pods`, (req, reply) => listPods(req, reply, req.params.namespace!));
  readOnly(`${BASE}/namespaces/:namespace/pods/:name`, (req, reply) => {
    const { namespace, name } = req.params as { namespace: string; name: string };
    authorize(req, "get", "pods", namespace, name);
    const boundTo = ctx.store.get("pods", namespace, name)?.field("spec.nodeName");
    const r = boundTo ? cache.get(boundTo, nowMs()) : undefined;
    const entry = r?.pods.find((p) => p.namespace === namespace && p.name === name);
    const m = r && entry ? podMetrics(ctx, r, entry, undefined, [], now()) : undefined;
    if (!m) throw notFound("podmetrics", name, METRICS_GROUP);
    return sendJson(reply, 200, JSON.stringify(m));
  });
};

/** The node's metrics, when the node still exists (and matches `labels`). */
function nodeMetrics(ctx: ServerContext, r: NodeMetricsReport, labels: Selector | undefined, created: Date): NodeMetrics | undefined {
  const e = ctx.store.get("nodes", "", r.node);
  if (!e || (labels && !labels.matches(e.labels))) return undefined;
  const node = e.object() as Node;
  return {
    kind: "NodeMetrics",
    apiVersion: METRICS_API_VERSION,
    // metrics-server's objects are made at request time, with the node's labels.
    metadata: { name: r.node, creationTimestamp: rfc3339(created), ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) },
    timestamp: r.timestamp,
    window: r.window,
    usage: r.usage,
  };
}

/** A pod's metrics, when that very pod (same UID) is still bound to the reporting node. */
function podMetrics(ctx: ServerContext, r: NodeMetricsReport, p: NodeMetricsReport["pods"][number], labels: Selector | undefined, fields: readonly FieldRequirement[], created: Date): PodMetrics | undefined {
  const e = ctx.store.get("pods", p.namespace, p.name);
  if (!e || e.field("spec.nodeName") !== r.node || (labels && !labels.matches(e.labels))) return undefined;
  const pod = e.object() as Pod;
  if (pod.metadata.uid !== p.uid || !matchesFields(pod, fields)) return undefined;
  return {
    kind: "PodMetrics",
    apiVersion: METRICS_API_VERSION,
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: rfc3339(created), ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) },
    timestamp: p.timestamp,
    window: p.window,
    containers: p.containers,
  };
}

function jsonBody(raw: unknown): unknown {
  if (raw === undefined || raw === null || (Buffer.isBuffer(raw) && raw.length === 0)) throw badRequest("the request body must be a NodeMetricsReport");
  try {
    return JSON.parse(Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw)) as unknown;
  } catch (e) {
    throw new ApiError("BadRequest", `the request body is not JSON: ${(e as Error).message}`);
  }
}
