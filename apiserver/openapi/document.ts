/**
 * The OpenAPI documents, built once from kctl's schemas (lib/schema) and resource table
 * (lib/kinds.ts): `/openapi/v2` (Swagger 2.0, every kind) and one OpenAPI 3.0 document per
 * group/version under `/openapi/v3`. Paths carry Kubernetes' extensions (`x-kubernetes-action`,
 * `x-kubernetes-group-version-kind`) and the query parameters the server honours, which is how
 * kubectl learns that it may leave validation to the server (`fieldValidation` on PATCH).
 */
import type { ResourceInfo } from "../../lib/kinds.js";
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

/** A kind as one group/version serves it: its canonical version, or an old alias (extensions/v1beta1). */
interface Served {
  r: ResourceInfo;
  group: string;
  version: string;
  /** the definition name of the kind in this version */
  def: string;
}

/** One operation of a path. */
function op(f: Flavour, sv: Served, action: string, id: string, params: Param[], resp: string, reqBody?: string): Json {
  const r = sv.r;
  const tag = (sv.group ? `${sv.group}/${sv.version}` : sv.version).replace(/[./]/g, "_");
  const o: Json = {
    description: `${action} ${r.kind}`,
    operationId: id,
    tags: [tag],
    responses: { "200": response(f, resp), "401": { description: "Unauthorized" } },
    "x-kubernetes-action": action,
  };
  o["x-kubernetes-group-version-kind"] = { group: sv.group, kind: r.kind, version: sv.version };
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
function resourcePaths(f: Flavour, sv: Served): Record<string, Json> {
  const { r, def } = sv;
  const list = `${def}List`;
  const prefix = sv.group ? `/apis/${sv.group}/${sv.version}` : `/api/${sv.version}`;
  const coll = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const ver = cap(sv.version) + (sv.group ? cap(sv.group.split(".")[0]!) : "Core");
  const nsSuffix = r.namespaced ? "Namespaced" : "";
  const write = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];
  const listQ = [PARAMS.labelSelector, PARAMS.fieldSelector, PARAMS.limit, PARAMS.continue, PARAMS.resourceVersion, PARAMS.watch];
  const common = (extra: Param[]) => ({ parameters: [...extra, PARAMS.pretty].map((p) => renderParam(p, f)) });
  const nsParam = r.namespaced ? [pathParam("namespace")] : [];
  const out: Record<string, Json> = {
    [coll]: {
      get: op(f, sv, "list", `list${ver}${nsSuffix}${r.kind}`, listQ, list),
      post: op(f, sv, "post", `create${ver}${nsSuffix}${r.kind}`, write, def, def),
      delete: op(f, sv, "deletecollection", `deleteCollection${ver}${nsSuffix}${r.kind}`, [...listQ, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], REF.status, REF.deleteOptions),
      ...common(nsParam),
    },
    [`${coll}/{name}`]: {
      get: op(f, sv, "get", `read${ver}${nsSuffix}${r.kind}`, [], def),
      put: op(f, sv, "put", `replace${ver}${nsSuffix}${r.kind}`, write, def, def),
      patch: op(f, sv, "patch", `patch${ver}${nsSuffix}${r.kind}`, [...write, PARAMS.force], def, REF.patch),
      delete: op(f, sv, "delete", `delete${ver}${nsSuffix}${r.kind}`, [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], REF.status, REF.deleteOptions),
      ...common([pathParam("name"), ...nsParam]),
    },
  };
  if (r.namespaced) out[`${prefix}/${r.plural}`] = { get: op(f, sv, "list", `list${ver}${r.kind}ForAllNamespaces`, listQ, list), ...common([]) };
  if (r.subresources.includes("status")) {
    out[`${coll}/{name}/status`] = {
      get: op(f, sv, "get", `read${ver}${nsSuffix}${r.kind}Status`, [], def),
      put: op(f, sv, "put", `replace${ver}${nsSuffix}${r.kind}Status`, write, def, def),
      patch: op(f, sv, "patch", `patch${ver}${nsSuffix}${r.kind}Status`, [...write, PARAMS.force], def, REF.patch),
      ...common([pathParam("name"), ...nsParam]),
    };
  }
  return out;
}

const INFO = { title: "Kubernetes", version: "v1.32.0" };

/** Every kind in every group/version it is served in, with the extra definitions old versions need. */
function servedKinds(): { served: Served[]; extra: Record<string, Schema> } {
  const served: Served[] = [];
  const extra: Record<string, Schema> = {};
  for (const r of describedResources()) {
    const def = definitionNameOf(r.kind)!;
    served.push({ r, group: r.group, version: r.version, def });
    for (const alias of r.aliasVersions ?? []) {
      const [group, version] = alias.includes("/") ? (alias.split("/") as [string, string]) : ["", alias];
      const aliasDef = `io.k8s.api.${group.split(".")[0] || "core"}.${version}.${r.kind}`;
      extra[aliasDef] = { ...DEFINITIONS[def]!, "x-kubernetes-group-version-kind": [{ group, version, kind: r.kind }] };
      served.push({ r, group, version, def: aliasDef });
    }
  }
  for (const sv of served) {
    const [, schema] = listDefinition(sv.r)!;
    extra[`${sv.def}List`] = {
      ...schema,
      properties: { ...schema.properties, items: { type: "array", items: { ref: sv.def } } },
      "x-kubernetes-group-version-kind": [{ group: sv.group, version: sv.version, kind: `${sv.r.kind}List` }],
    };
  }
  return { served, extra };
}

const COMMON_DEFS = [REF.status, REF.deleteOptions, REF.patch];

function components(f: Flavour, served: Served[], extra: Record<string, Schema>): Json {
  const names = closure([...served.flatMap((sv) => [sv.def, `${sv.def}List`]), ...COMMON_DEFS], extra);
  return Object.fromEntries(names.map((n) => [n, render(extra[n] ?? DEFINITIONS[n]!, f)]));
}

/** Swagger 2.0: every served kind in every version. */
export function buildV2(): Json {
  const { served, extra } = servedKinds();
  return {
    swagger: "2.0",
    info: INFO,
    paths: Object.assign({}, ...served.map((sv) => resourcePaths("v2", sv))) as Json,
    definitions: components("v2", served, extra),
    securityDefinitions: { BearerToken: { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" } },
    security: [{ BearerToken: [] }],
  };
}

/** OpenAPI 3.0 documents by group/version path (`api/v1`, `apis/apps/v1`, `apis/extensions/v1beta1`). */
export function buildV3(): Map<string, Json> {
  const { served, extra } = servedKinds();
  const byGv = new Map<string, Served[]>();
  for (const sv of served) {
    const key = sv.group ? `apis/${sv.group}/${sv.version}` : `api/${sv.version}`;
    byGv.set(key, [...(byGv.get(key) ?? []), sv]);
  }
  const docs = new Map<string, Json>();
  for (const [key, svs] of byGv) {
    docs.set(key, {
      openapi: "3.0.0",
      info: INFO,
      paths: Object.assign({}, ...svs.map((sv) => resourcePaths("v3", sv))) as Json,
      components: {
        schemas: components("v3", svs, extra),
        securitySchemes: { BearerToken: { type: "apiKey", name: "authorization", in: "header", description: "Bearer Token authentication" } },
      },
      security: [{ BearerToken: [] }],
    });
  }
  return docs;
}
