/**
 * Discovery, so that kubectl and @kubernetes/client-node work: /version, /api, /api/v1, /apis,
 * /apis/GROUP and /apis/GROUP/VERSION. Old group/versions a kind is still served in
 * (extensions/v1beta1, apps/v1beta1, ...) are listed after the canonical ones, which are preferred.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "../../lib/errors.js";
import { groupVersion, RESOURCE_VERBS, RESOURCES, type ResourceInfo } from "../../lib/kinds.js";
import type { ServerContext } from "../context.js";
import { sendError, sendJson } from "./reply.js";
import { METRICS_API_RESOURCES } from "./metrics-api.js";
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION } from "../../lib/metrics.js";

/** The Kubernetes version kctl speaks. */
export const KUBE_VERSION = { major: "1", minor: "30", gitVersion: "v1.30.0-kctl" };


interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
}

/**
 * The APIResourceList entries of one group/version, subresources included. Old versions a kind
 * is still served in (extensions/v1beta1 Deployments) list it too, without short names or
 * categories, so `kubectl get all` and `kubectl get deploy` resolve to the canonical version.
 */
export function apiResources(gv: string): ApiResource[] {
  // metrics.k8s.io is served from the kubelets' reports (metrics-api.ts), not from lib/kinds.ts.
  if (gv === METRICS_API_VERSION) return METRICS_API_RESOURCES.map((r) => ({ ...r, verbs: [...r.verbs] }));
  const out: ApiResource[] = [];
  for (const r of RESOURCES.filter((x) => groupVersion(x) === gv || (x.aliasVersions ?? []).includes(gv))) {
    const verbs = [...(r.verbs ?? RESOURCE_VERBS)];
    const e: ApiResource = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs };
    const canonical = groupVersion(r) === gv;
    if (r.shortNames.length > 0 && canonical) e.shortNames = r.shortNames;
    // `kubectl get all` expands the "all" category, as Kubernetes defines it.
    if (r.categories && canonical) e.categories = [...r.categories];
    out.push(e);
    for (const sub of r.subresources) out.push(subresource(r, sub));
  }
  return out;
}

function subresource(r: ResourceInfo, sub: string): ApiResource {
  const base = { name: `${r.plural}/${sub}`, singularName: "", namespaced: r.namespaced };
  switch (sub) {
    case "scale":
      return { ...base, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] };
    case "binding":
      return { ...base, kind: "Binding", verbs: ["create"] };
    case "log":
      return { ...base, kind: "Pod", verbs: ["get"] };
    case "exec":
      return { ...base, kind: "PodExecOptions", verbs: ["create", "get"] };
    case "finalize":
      return { ...base, kind: r.kind, verbs: ["update"] };
    default:
      return { ...base, kind: r.kind, verbs: ["get", "patch", "update"] };
  }
}

/**
 * The API groups, each with its versions, the canonical one first and preferred. Groups that only
 * old versions use (extensions) come last, so clients resolving `deployments` prefer apps.
 */
function groups(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] {
  const byGroup = new Map<string, Set<string>>();
  const add = (group: string, version: string) => {
    let s = byGroup.get(group);
    if (!s) byGroup.set(group, (s = new Set()));
    s.add(version);
  };
  for (const r of RESOURCES) if (r.group) add(r.group, r.version);
  byGroup.set(METRICS_GROUP, new Set([METRICS_VERSION]));
  for (const r of RESOURCES) {
    for (const alias of r.aliasVersions ?? []) {
      const slash = alias.indexOf("/");
      if (slash > 0) add(alias.slice(0, slash), alias.slice(slash + 1));
    }
  }
  return [...byGroup].map(([name, versions]) => {
    const vs = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0]! };
  });
}

/** Register the discovery routes. */
export function discoveryRoutes(app: FastifyInstance, _ctx: ServerContext): void {
  const notFound = new ApiError("NotFound", "the server could not find the requested resource");
  app.get("/version", (_req, reply) =>
    sendJson(reply, 200, JSON.stringify({
      ...KUBE_VERSION,
      gitCommit: "",
      gitTreeState: "clean",
      buildDate: "2024-01-01T00:00:00Z",
      goVersion: `node${process.versions.node}`,
      compiler: "node",
      platform: `${process.platform}/${process.arch}`,
    })),
  );
  app.get("/api", (req, reply) =>
    sendJson(reply, 200, JSON.stringify({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.headers.host ?? "" }],
    })),
  );
  app.get("/api/v1", (_req, reply) => sendJson(reply, 200, JSON.stringify({ kind: "APIResourceList", groupVersion: "v1", resources: apiResources("v1") })));
  app.get("/apis", (_req, reply) => sendJson(reply, 200, JSON.stringify({ kind: "APIGroupList", apiVersion: "v1", groups: groups() })));
  app.get<{ Params: { group: string } }>("/apis/:group", (req, reply) => {
    const g = groups().find((x) => x.name === req.params.group);
    if (!g) return sendError(reply, notFound);
    return sendJson(reply, 200, JSON.stringify({ kind: "APIGroup", apiVersion: "v1", ...g }));
  });
  app.get<{ Params: { group: string; version: string } }>("/apis/:group/:version", (req, reply) => {
    const gv = `${req.params.group}/${req.params.version}`;
    const resources = apiResources(gv);
    if (resources.length === 0) return sendError(reply, notFound);
    return sendJson(reply, 200, JSON.stringify({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources }));
  });
}
