/**
 * The OpenAPI documents, built once from kctl's schemas (lib/schema) and resource table
 * (lib/kinds.ts): `/openapi/v2` (Swagger 2.0, every kind) and one OpenAPI 3.0 document per
 * group/version under `/openapi/v3`. Paths carry Kubernetes' extensions (`x-kubernetes-action`,
 * `x-kubernetes-group-version-kind`) and the query parameters the server honours, which is how
 * kubectl learns that it may leave validation to the server (`fieldValidation` on PATCH).
 */
import { groupVersion, type ResourceInfo } from "../../lib/kinds.js";
import { DEFINITIONS, definitionNameOf, describedResources, listDefinition } from "../../lib/schema/index.js";
import { REF, type Schema } from "../../lib/schema/schema.js";

type Json = Record<string, unknown>;
type Flavour = "v2" | "v3";

const refPath = (f: Flavour, name: string) => (f === "v2" ? `#/definitions/${name}` : `#/components/schemas/${name}`);

/** A schema in OpenAPI form: `ref` becomes `$ref` (wrapped in allOf in v3 when it has a description, as Kubernetes does). */
export function render(s: Schema, f: Flavour): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || (k === "description" && v === "")) continue;
    if (k === "ref") continue;
    if (k === "properties") out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, c]) => [p, render(c, f)]));
    else if (k === "items" || k === "additionalProperties") out[k] = render(v as Schema, f);
    else out[k] = v;
  }
  if (s.ref) {
    const r = { $ref: refPath(f, s.ref) };
    if (f === "v3" && out.description) return { allOf: [r], ...out };
    return { ...r, ...out };
  }
  return out;
}

/** Definition names reachable from `roots`. */
function closure(roots: string[], extra: Record<string, Schema>): string[] {
  const seen = new Set<string>();
  const visit = (s: Schema | undefined): void => {
    if (!s) return;
    if (s.ref && !seen.has(s.ref)) {
      seen.add(s.ref);
      visit(extra[s.ref] ?? DEFINITIONS[s.ref]);
    }
    for (const c of Object.values(s.properties ?? {})) visit(c);
    visit(s.items);
    visit(s.additionalProperties);
  };
  for (const r of roots) visit({ ref: r });
  return [...seen].sort();
}

interface Param {
  name: string;
  in: "query" | "path";
  description: string;
  required?: boolean;
}

const q = (name: string, description: string): Param => ({ name, in: "query", description });
const PARAMS = {
  dryRun: q("dryRun", "When present, indicates that modifications should not be persisted. The only valid value is All."),
  fieldManager: q("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: q("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default) and Strict."),
  force: q("force", "Force is going to \"force\" Apply requests: it means user will re-acquire conflicting fields owned by other people."),
  pretty: q("pretty", "If 'true', then the output is pretty printed."),
  labelSelector: q("labelSelector", "A selector to restrict the list of returned objects by their labels."),
  fieldSelector: q("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
  limit: q("limit", "limit is a maximum number of responses to return for a list call."),
  continue: q("continue", "The continue option should be set when retrieving more results from the server."),
  resourceVersion: q("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  watch: q("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
  gracePeriodSeconds: q("gracePeriodSeconds", "The duration in seconds before the object should be deleted."),
  propagationPolicy: q("propagationPolicy", "Whether and how garbage collection will be performed."),
};
const INTEGER_PARAMS = new Set(["limit", "gracePeriodSeconds"]);
const BOOLEAN_PARAMS = new Set(["force", "watch"]);
const paramType = (name: string) => (INTEGER_PARAMS.has(name) ? "integer" : BOOLEAN_PARAMS.has(name) ? "boolean" : "string");

function renderParam(p: Param, f: Flavour): Json {
  const base: Json = { name: p.name, in: p.in, description: p.description, uniqueItems: true };
  if (p.required) base.required = true;
  return f === "v2" ? { ...base, type: paramType(p.name) } : { ...base, schema: { type: paramType(p.name), uniqueItems: true } };
}

const pathParam = (name: string): Param => ({ name, in: "path", description: `${name} of the ${name === "namespace" ? "namespace" : "object"}`, required: true });

/** The body a request or response carries. */
function body(f: Flavour, def: string, description: string): Json {
  const schema = { $ref: refPath(f, def) };
  return f === "v2" ? { in: "body", name: "body", required: true, schema, description } : { content: { "application/json": { schema } }, required: true };
}

function response(f: Flavour, def: string, description = "OK"): Json {
  const schema = { $ref: refPath(f, def) };
  return f === "v2" ? { description, schema } : { description, content: { "application/json": { schema }, "application/yaml": { schema } } };
}

/** One operation of a path. */
function op(f: Flavour, r: ResourceInfo, action: string, id: string, params: Param[], resp: string, reqBody?: string, gvk = true): Json {
  const gv = groupVersion(r);
  const tag = gv.replace(/[./]/g, "_");
  const o: Json = {
    description: `${action} ${r.kind}`,
    operationId: id,
    tags: [tag],
    responses: { "200": response(f, resp), "401": { description: "Unauthorized" } },
    "x-kubernetes-action": action,
  };
  if (gvk) o["x-kubernetes-group-version-kind"] = { group: r.group, kind: r.kind, version: r.version };
  const rendered = params.map((p) => renderParam(p, f));
  if (reqBody && f === "v2") rendered.unshift(body(f, reqBody, ""));
  if (reqBody && f === "v3") o.requestBody = action === "patch" ? patchBody() : body(f, reqBody, "");
  if (rendered.length) o.parameters = rendered;
  if (action === "post") (o.responses as Json)["201"] = response(f, resp, "Created");
  if (f === "v2") {
    o.consumes = action === "patch" ? PATCH_TYPES : ["*/*"];
    o.produces = ["application/json", "application/yaml"];
    o.schemes = ["https"];
  }
  return o;
}

const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
const patchBody = (): Json => ({ content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { $ref: refPath("v3", REF.patch) } }])), required: true });

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The paths of one resource (and its status/scale subresources). */
function resourcePaths(f: Flavour, r: ResourceInfo): Record<string, Json> {
  const def = definitionNameOf(r.kind)!;
  const list = `${def}List`;
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const ver = cap(r.version) + (r.group ? cap(r.group.split(".")[0]!) : "Core");
  const nsSuffix = r.namespaced ? "Namespaced" : "";
  const write = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];
  const listQ = [PARAMS.labelSelector, PARAMS.fieldSelector, PARAMS.limit, PARAMS.continue, PARAMS.resourceVersion, PARAMS.watch];
  const common = (extra: Param[]) => ({ parameters: [...extra, PARAMS.pretty].map((p) => renderParam(p, f)) });
  const nsParam = r.namespaced ? [pathParam("namespace")] : [];
  const out: Record<string, Json> = {
    [coll]: {
      get: op(f, r, "list", `list${ver}${nsSuffix}${r.kind}`, listQ, list),
      post: op(f, r, "post", `create${ver}${nsSuffix}${r.kind}`, write, def, def),
      delete: op(f, r, "deletecollection", `deleteCollection${ver}${nsSuffix}${r.kind}`, [...listQ, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], REF.status, REF.deleteOptions),
      ...common(nsParam),
    },
    [`${coll}/{name}`]: {
      get: op(f, r, "get", `read${ver}${nsSuffix}${r.kind}`, [], def),
      put: op(f, r, "put", `replace${ver}${nsSuffix}${r.kind}`, write, def, def),
      patch: op(f, r, "patch", `patch${ver}${nsSuffix}${r.kind}`, [...write, PARAMS.force], def, REF.patch),
      delete: op(f, r, "delete", `delete${ver}${nsSuffix}${r.kind}`, [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], REF.status, REF.deleteOptions),
      ...common([pathParam("name"), ...nsParam]),
    },
  };
  if (r.namespaced) out[`${prefix}/${r.plural}`] = { get: op(f, r, "list", `list${ver}${r.kind}ForAllNamespaces`, listQ, list), ...common([]) };
  if (r.subresources.includes("status")) {
    out[`${coll}/{name}/status`] = {
      get: op(f, r, "get", `read${ver}${nsSuffix}${r.kind}Status`, [], def),
      put: op(f, r, "put", `replace${ver}${nsSuffix}${r.kind}Status`, write, def, def),
      patch: op(f, r, "patch", `patch${ver}${nsSuffix}${r.kind}Status`, [...write, PARAMS.force], def, REF.patch),
      ...common([pathParam("name"), ...nsParam]),
    };
  }
  return out;
}

const INFO = { title: "Kubernetes", version: "v1.32.0" };

/** Swagger 2.0: every served kind. */
export function buildV2(): Json {
  const rs = describedResources();
  const lists = Object.fromEntries(rs.map((r) => listDefinition(r)!));
  const names = closure([...rs.map((r) => definitionNameOf(r.kind)!), ...Object.keys(lists), REF.status, REF.deleteOptions, REF.patch], lists);
  return {
    swagger: "2.0",
    info: INFO,
    paths: Object.assign({}, ...rs.map((r) => resourcePaths("v2", r))) as Json,
    definitions: Object.fromEntries(names.map((n) => [n, render(lists[n] ?? DEFINITIONS[n]!, "v2")])),
    securityDefinitions: { BearerToken: { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" } },
    security: [{ BearerToken: [] }],
  };
}

/** OpenAPI 3.0 documents by group/version path (`api/v1`, `apis/apps/v1`). */
export function buildV3(): Map<string, Json> {
  const byGv = new Map<string, ResourceInfo[]>();
  for (const r of describedResources()) {
    const key = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    byGv.set(key, [...(byGv.get(key) ?? []), r]);
  }
  const docs = new Map<string, Json>();
  for (const [key, rs] of byGv) {
    const lists = Object.fromEntries(rs.map((r) => listDefinition(r)!));
    const names = closure([...rs.map((r) => definitionNameOf(r.kind)!), ...Object.keys(lists), REF.status, REF.deleteOptions, REF.patch], lists);
    docs.set(key, {
      openapi: "3.0.0",
      info: INFO,
      paths: Object.assign({}, ...rs.map((r) => resourcePaths("v3", r))) as Json,
      components: {
        schemas: Object.fromEntries(names.map((n) => [n, render(lists[n] ?? DEFINITIONS[n]!, "v3")])),
        securitySchemes: { BearerToken: { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" } },
      },
      security: [{ BearerToken: [] }],
    });
  }
  return docs;
}
