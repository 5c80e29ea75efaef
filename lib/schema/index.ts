/**
 * Every definition kctl serves, and lookups over them: the schema of a kind, a child field's
 * schema with references resolved. Read by the API server's OpenAPI documents, field validation,
 * strategic merge patch and server-side apply.
 */
import { RESOURCES, type ResourceInfo } from "../kinds.js";
import { appsDefinitions } from "./apps.js";
import { batchDefinitions } from "./batch.js";
import { clusterDefinitions } from "./cluster.js";
import { coreDefinitions } from "./core.js";
import { podDefinitions } from "./core-pod.js";
import { metaDefinitions } from "./meta.js";
import { REF, type Definitions, type Schema } from "./schema.js";

export type { Definitions, GroupVersionKind, Schema } from "./schema.js";

/** All definitions, by Kubernetes name. */
export const DEFINITIONS: Readonly<Definitions> = {
  ...metaDefinitions,
  ...podDefinitions,
  ...coreDefinitions,
  ...appsDefinitions,
  ...batchDefinitions,
  ...clusterDefinitions,
};

const BY_KIND = new Map<string, string>();
for (const [name, s] of Object.entries(DEFINITIONS)) {
  for (const gvk of s["x-kubernetes-group-version-kind"] ?? []) BY_KIND.set(gvk.kind, name);
}

/** The definition name of a served kind (`io.k8s.api.apps.v1.Deployment`). */
export function definitionNameOf(kind: string): string | undefined {
  return BY_KIND.get(kind);
}

/** The schema of a served kind, if kctl describes it. */
export function schemaOfKind(kind: string): Schema | undefined {
  const n = BY_KIND.get(kind);
  return n ? DEFINITIONS[n] : undefined;
}

/** A schema with its `ref` followed (the referring field's description kept). */
export function resolve(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.ref && i < 8; i++) cur = DEFINITIONS[cur.ref];
  return cur;
}

/** The (resolved) schema of field `key` of an object schema, or of its map values. */
export function fieldSchema(s: Schema | undefined, key: string): Schema | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  return resolve(r.properties?.[key] ?? r.additionalProperties);
}

/** The (resolved) schema of a list's elements. */
export function itemSchema(s: Schema | undefined): Schema | undefined {
  return resolve(resolve(s)?.items);
}

/** The `<Kind>List` definition name and schema of a resource, for OpenAPI. */
export function listDefinition(r: ResourceInfo): [string, Schema] | undefined {
  const item = definitionNameOf(r.kind);
  if (!item) return undefined;
  return [
    `${item}List`,
    {
      type: "object",
      description: `${r.kind}List is a list of ${r.kind} objects.`,
      properties: {
        apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." },
        items: { type: "array", items: { ref: item }, description: `List of ${r.plural}.` },
        kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents." },
        metadata: { ref: REF.listMeta, description: "Standard list metadata." },
      },
      required: ["items"],
      "x-kubernetes-group-version-kind": [{ group: r.group, version: r.version, kind: `${r.kind}List` }],
    },
  ];
}

/** Served resources that have a schema (all of them; a test keeps it so). */
export function describedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => BY_KIND.has(r.kind));
}

