/**
 * kctl's description of its types: one OpenAPI schema per Kubernetes definition, written with the
 * builders below. It is the single source the API server reads for OpenAPI (`/openapi/v2`,
 * `/openapi/v3`), for server-side field validation (unknown fields, `fieldValidation=Strict|Warn`),
 * for strategic merge patch (list merge keys and patch strategies) and for server-side apply
 * (list types and map keys). Value rules (ranges, names, immutability) stay in the API server's
 * strategies, which know the context a schema cannot express.
 *
 * Definitions are named as Kubernetes names them (`io.k8s.api.core.v1.PodSpec`) so clients that
 * look a type up by name (kubectl explain, client libraries) find it.
 */

/** The OpenAPI types a schema can have. */
export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/** One group/version/kind, as the `x-kubernetes-group-version-kind` extension lists it. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * An OpenAPI schema with Kubernetes' extensions. `ref` names another definition (rendered as
 * `$ref` to `#/definitions/…` in v2 and `#/components/schemas/…` in v3).
 */
export interface Schema {
  type?: SchemaType;
  format?: string;
  description?: string;
  ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema;
  enum?: string[];
  /** the value the server defaults (used for list keys a manifest may omit, e.g. protocol) */
  default?: string | number | boolean;
  "x-kubernetes-list-type"?: "atomic" | "map" | "set";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-patch-merge-key"?: string;
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-group-version-kind"?: GroupVersionKind[];
}

/** Definitions by name. */
export type Definitions = Record<string, Schema>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

/** Short names for the apimachinery definitions every kind uses. */
export const REF = {
  objectMeta: `${META}ObjectMeta`,
  listMeta: `${META}ListMeta`,
  labelSelector: `${META}LabelSelector`,
  time: `${META}Time`,
  microTime: `${META}MicroTime`,
  condition: `${META}Condition`,
  status: `${META}Status`,
  deleteOptions: `${META}DeleteOptions`,
  patch: `${META}Patch`,
  quantity: "io.k8s.apimachinery.pkg.api.resource.Quantity",
  intOrString: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
  rawExtension: "io.k8s.apimachinery.pkg.runtime.RawExtension",
} as const;

/** A string field. */
export const str = (description = ""): Schema => ({ type: "string", description });
/** A string field with a fixed set of values. */
export const oneOf = (values: string[], description = ""): Schema => ({ type: "string", enum: values, description });
/** An int32 field. */
export const i32 = (description = ""): Schema => ({ type: "integer", format: "int32", description });
/** An int64 field. */
export const i64 = (description = ""): Schema => ({ type: "integer", format: "int64", description });
/** A boolean field. */
export const bool = (description = ""): Schema => ({ type: "boolean", description });
/** base64 bytes. */
export const bytes = (description = ""): Schema => ({ type: "string", format: "byte", description });
/** A reference to another definition. */
export const ref = (name: string, description = ""): Schema => ({ ref: name, description });
/** A timestamp. */
export const time = (description = ""): Schema => ref(REF.time, description);
/** An int-or-string (ports, surge). */
export const intOrString = (description = ""): Schema => ref(REF.intOrString, description);
/** A map of string to string (labels, data). */
export const strMap = (description = "", atomic = false): Schema => ({
  type: "object",
  additionalProperties: { type: "string" },
  description,
  ...(atomic ? { "x-kubernetes-map-type": "atomic" as const } : {}),
});
/** A map of resource name to quantity (requests, capacity). */
export const quantityMap = (description = ""): Schema => ({ type: "object", additionalProperties: ref(REF.quantity), description });
/** A list of strings (atomic unless a set). */
export const strList = (description = "", listType: "atomic" | "set" = "atomic"): Schema => ({
  type: "array",
  items: { type: "string" },
  description,
  "x-kubernetes-list-type": listType,
});
/**
 * An object kctl does not model field by field (a volume plug-in it does not run, a free-form
 * payload): accepted as given, never reported as unknown.
 */
export const open = (description = ""): Schema => ({ type: "object", description, "x-kubernetes-preserve-unknown-fields": true });

/** An object with these properties. */
export function obj(description: string, properties: Record<string, Schema>, required?: string[]): Schema {
  return { type: "object", description, properties, ...(required?.length ? { required } : {}) };
}

/** How a list of objects merges (strategic merge patch) and is owned (server-side apply). */
export interface ListOptions {
  /** `x-kubernetes-list-type` (default: atomic, or map when keys are given) */
  type?: "atomic" | "map" | "set";
  /** the keys identifying an element (`x-kubernetes-list-map-keys`) */
  keys?: string[];
  /** strategic merge patch merge key (default: the first key) */
  mergeKey?: string;
  /** strategic merge patch strategy (default: `merge` when keyed) */
  strategy?: string;
}

/** A list of `item`s. */
export function list(item: Schema, description = "", o: ListOptions = {}): Schema {
  const keyed = !!o.keys?.length;
  const s: Schema = { type: "array", items: item, description, "x-kubernetes-list-type": o.type ?? (keyed ? "map" : "atomic") };
  if (keyed) s["x-kubernetes-list-map-keys"] = o.keys;
  const mergeKey = o.mergeKey ?? o.keys?.[0];
  if (mergeKey) {
    s["x-kubernetes-patch-merge-key"] = mergeKey;
    s["x-kubernetes-patch-strategy"] = o.strategy ?? "merge";
  } else if (o.strategy) s["x-kubernetes-patch-strategy"] = o.strategy;
  return s;
}

/** A list of `ref`s merged by `keys` (containers by name, ports by containerPort+protocol). */
export const keyedList = (name: string, keys: string[], description = "", o: Omit<ListOptions, "keys"> = {}): Schema =>
  list(ref(name), description, { ...o, keys });

/** An atomic list of `ref`s (replaced whole by patches and applies). */
export const atomicList = (name: string, description = ""): Schema => list(ref(name), description);

/**
 * A top-level kind: apiVersion, kind, metadata and the given fields, tagged with its
 * group/version/kind.
 */
export function kind(gvk: GroupVersionKind, description: string, fields: Record<string, Schema>): Schema {
  return {
    ...obj(description, {
      apiVersion: str("APIVersion defines the versioned schema of this representation of an object."),
      kind: str("Kind is a string value representing the REST resource this object represents."),
      metadata: ref(REF.objectMeta, "Standard object's metadata."),
      ...fields,
    }),
    "x-kubernetes-group-version-kind": [gvk],
  };
}

/** The core (v1) group/version/kind of `k`. */
export const core = (k: string): GroupVersionKind => ({ group: "", version: "v1", kind: k });
