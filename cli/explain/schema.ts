/**
 * The OpenAPI v3 documents `kctl explain` reads, as kubectl 1.27+ does: `/openapi/v3` lists one
 * document per group-version; the kind's schema is the one whose
 * `x-kubernetes-group-version-kind` names it. Fields are walked through `properties`, through
 * array `items` and map `additionalProperties`, following `$ref` (bare or in `allOf`).
 */
import type { ApiClient } from "../../lib/client.js";

/** The part of an OpenAPI v3 schema explain reads. */
export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  allOf?: Schema[];
  $ref?: string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
}

/** One group-version document's schemas. */
export interface SchemaDocument {
  components?: { schemas?: Record<string, Schema> };
}

/** The `/openapi/v3/...` path of a group-version's document. */
export async function fetchGroupVersionDocument(client: ApiClient, group: string, version: string): Promise<SchemaDocument | undefined> {
  const index = await client.request<{ paths?: Record<string, { serverRelativeURL?: string }> }>("GET", "/openapi/v3");
  const key = group ? `apis/${group}/${version}` : `api/${version}`;
  const entry = index.paths?.[key];
  if (!entry) return undefined;
  const url = new URL(entry.serverRelativeURL ?? `/openapi/v3/${key}`, "http://x");
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  return client.request<SchemaDocument>("GET", url.pathname, { query });
}

/** Resolves references within one document. */
export class SchemaIndex {
  constructor(private readonly doc: SchemaDocument) {}

  /** The schema of `group/version, Kind=kind`, with its name. */
  kindSchema(group: string, version: string, kind: string): { name: string; schema: Schema } | undefined {
    for (const [name, schema] of Object.entries(this.doc.components?.schemas ?? {})) {
      if ((schema["x-kubernetes-group-version-kind"] ?? []).some((g) => g.group === group && g.version === version && g.kind === kind)) return { name, schema };
    }
    return undefined;
  }

  /** The `$ref` a schema points to (bare or as its single `allOf`), if any. */
  refOf(s: Schema): string | undefined {
    return s.$ref ?? s.allOf?.find((a) => a.$ref)?.$ref;
  }

  /** The referenced schema. */
  resolve(ref: string): Schema | undefined {
    return this.doc.components?.schemas?.[ref.replace(/^#\/components\/schemas\//, "")];
  }

  /** The schema itself, or the one it refers to. */
  target(s: Schema): Schema {
    const ref = this.refOf(s);
    return (ref && this.resolve(ref)) || s;
  }

  /** The element schema of an array or map field (`[]Container`, `map[string]Quantity`). */
  element(s: Schema): Schema | undefined {
    const t = this.target(s);
    if (t.type === "array" && t.items) return t.items;
    if (t.type === "object" && !t.properties && typeof t.additionalProperties === "object") return t.additionalProperties;
    return undefined;
  }

  /** The object schema whose properties a field's children are (through arrays and maps). */
  fieldsOf(s: Schema): Schema | undefined {
    const t = this.target(s);
    if (t.properties) return t;
    const el = this.element(s);
    return el ? this.fieldsOf(el) : undefined;
  }

  /** kubectl's type label: `string`, `[]Container`, `map[string]string`, `ObjectMeta`, `Object`. */
  typeName(s: Schema): string {
    const ref = this.refOf(s);
    if (ref) {
      const t = this.resolve(ref);
      if (t && (t.type === "object" || t.properties || t.type === undefined)) return ref.slice(ref.lastIndexOf(".") + 1);
      return t ? this.typeName(t) : ref.slice(ref.lastIndexOf(".") + 1);
    }
    if (s.type === "array") return `[]${s.items ? this.typeName(s.items) : "Object"}`;
    if (s.type === "object" && !s.properties && typeof s.additionalProperties === "object") return `map[string]${this.typeName(s.additionalProperties)}`;
    if (s.type === "object" || s.type === undefined) return "Object";
    return s.type;
  }
}
