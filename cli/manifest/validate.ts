/**
 * Client-side checks on every manifest object before anything is sent: kind and apiVersion
 * present and known (with a typo suggestion), metadata.name present, namespace consistent.
 */
import { deprecationWarning, legacyDefaults } from "../../lib/legacy-versions.js";
import { acceptsApiVersion, groupVersion, resourceForKind, suggestKind, type ResourceInfo } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import { ManifestError, type ManifestObject } from "./parse.js";

/** A validated object, ready to send. */
export interface ValidObject {
  m: ManifestObject;
  obj: KObject;
  resource: ResourceInfo;
  /** effective namespace (undefined for cluster-scoped kinds) */
  namespace?: string;
  /** written in an old group/version (extensions/v1beta1): Kubernetes' deprecation warning */
  deprecation?: string;
}

export interface ValidateOptions {
  /** the namespace in effect (flag or context) */
  namespace: string;
  /** true when -n was given explicitly: a different namespace in the file is then an error */
  namespaceFlag: boolean;
  /** allow generateName instead of name (create) */
  allowGenerateName?: boolean;
}

/** Validate one object; throws a ManifestError naming the file, line and column. */
export function validateObject(m: ManifestObject, opts: ValidateOptions): ValidObject {
  const o = m.obj;
  const apiVersion = o.apiVersion;
  const kind = o.kind;
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw new ManifestError(`${m.where()}: document ${m.index}: apiVersion not set (every object needs apiVersion and kind)`);
  }
  if (typeof kind !== "string" || kind === "") {
    throw new ManifestError(`${m.where()}: document ${m.index}: kind not set (every object needs apiVersion and kind)`);
  }
  const r = resourceForKind(kind);
  if (!r) {
    const guess = suggestKind(kind);
    throw new ManifestError(`${m.where("kind")}: no kind "${kind}" in ${apiVersion}${guess ? `; did you mean ${guess}?` : ""}`);
  }
  if (!acceptsApiVersion(r, apiVersion)) {
    throw new ManifestError(`${m.where("apiVersion")}: no kind "${kind}" in ${apiVersion}; ${kind} is served by apiVersion ${groupVersion(r)}`);
  }
  const meta = o.metadata;
  if (meta !== undefined && (typeof meta !== "object" || meta === null || Array.isArray(meta))) {
    throw new ManifestError(`${m.where("metadata")}: metadata must be an object`);
  }
  const md = (meta ?? {}) as Record<string, unknown>;
  const hasName = typeof md.name === "string" && md.name !== "";
  const hasGenerate = typeof md.generateName === "string" && md.generateName !== "";
  if (!hasName && !(opts.allowGenerateName && hasGenerate)) {
    throw new ManifestError(`${m.where("metadata")}: ${kind}: metadata.name: Required value: name is required`);
  }
  let namespace: string | undefined;
  if (r.namespaced) {
    const fileNs = typeof md.namespace === "string" && md.namespace ? md.namespace : undefined;
    if (fileNs && opts.namespaceFlag && fileNs !== opts.namespace) {
      throw new ManifestError(
        `${m.where("metadata.namespace")}: the namespace from the provided object "${fileNs}" does not match the namespace "${opts.namespace}". You must pass '--namespace=${fileNs}' to perform this operation.`,
      );
    }
    namespace = fileNs ?? opts.namespace;
  }
  // Old versions are sent as the canonical one, with what they defaulted differently.
  const obj = { ...o, apiVersion: groupVersion(r), metadata: { ...md } } as unknown as KObject;
  legacyDefaults(apiVersion, obj as unknown as Record<string, unknown>);
  if (namespace) obj.metadata.namespace = namespace;
  else delete obj.metadata.namespace;
  const deprecation = deprecationWarning(r, apiVersion);
  return { m, obj, resource: r, namespace, ...(deprecation ? { deprecation } : {}) };
}
