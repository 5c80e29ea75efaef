/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`): the configuration is checked
 * (kind, name, fields), merged into the live object with ownership (fieldmanager/), and written
 * as a create (201, the object did not exist) or an update.
 */
import { ApiError, isNotFound } from "../../lib/errors.js";
import { isPlainObject } from "../../lib/json.js";
import { acceptsApiVersion, groupVersion, type ResourceInfo } from "../../lib/kinds.js";
import { schemaOfKind } from "../../lib/schema/index.js";
import type { User } from "../security/auth.js";
import type { Registry } from "../registry.js";
import type { StoredObject } from "../store/store.js";
import { applyConfiguration, type Writer } from "../fieldmanager/managed-fields.js";

/** What an apply request carries besides the configuration. */
export interface ApplyRequest {
  ri: ResourceInfo;
  namespace: string | undefined;
  name: string;
  subresource: string | undefined;
  /** the decoded configuration, already field-validated */
  config: unknown;
  writer: Writer;
  /** `fieldManager` as sent (required for apply) */
  fieldManager: string | undefined;
  force: boolean;
  dryRun: boolean;
  user: User | undefined;
}

/** Check an apply configuration's identity before anything else looks at it. */
export function checkApplyConfig(ri: ResourceInfo, name: string, config: unknown): Record<string, unknown> {
  if (!isPlainObject(config)) throw new ApiError("BadRequest", "the apply configuration must be an object");
  const { apiVersion, kind } = config;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !apiVersion || !kind) {
    throw new ApiError("BadRequest", "the apply configuration must set apiVersion and kind");
  }
  if (kind !== ri.kind || !acceptsApiVersion(ri, apiVersion)) {
    throw new ApiError("BadRequest", `the apply configuration is a ${kind} in ${apiVersion}, but the request is for ${ri.kind} in ${groupVersion(ri)}`);
  }
  const meta = isPlainObject(config.metadata) ? config.metadata : {};
  if (meta.name !== undefined && meta.name !== name) {
    throw new ApiError("BadRequest", `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  }
  return config;
}

/** Apply; `created` tells the caller to answer 201. */
export async function serverSideApply(reg: Registry, a: ApplyRequest): Promise<{ entry: StoredObject; created: boolean }> {
  if (a.subresource !== undefined && a.subresource !== "status") throw new ApiError("MethodNotAllowed", `apply is not supported on ${a.ri.plural}/${a.subresource}`);
  if (!a.fieldManager) throw new ApiError("BadRequest", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
  const schema = schemaOfKind(a.ri.kind);
  if (!schema) throw new ApiError("UnsupportedMediaType", `server-side apply is not supported for ${a.ri.plural}`);
  const config = a.config as Record<string, unknown>;
  let live: StoredObject | undefined;
  try {
    live = reg.current(a.ri, a.namespace, a.name);
  } catch (e) {
    if (!isNotFound(e) || a.subresource) throw e;
  }
  const writer: Writer = { ...a.writer, ...(a.subresource ? { subresource: a.subresource } : {}) };
  const liveObj = live ? (JSON.parse(live.json) as Record<string, unknown>) : undefined;
  if (!liveObj) {
    const meta = isPlainObject(config.metadata) ? config.metadata : (config.metadata = {});
    meta.name = a.name;
  }
  const obj = applyConfiguration(schema, liveObj, config, writer, a.force, new Date());
  // The apply has already written managedFields: the registry records no second writer.
  if (!live) return { entry: await reg.create(a.ri, a.namespace, obj, a.dryRun, a.user), created: true };
  if (a.subresource === "status") return { entry: await reg.updateStatus(a.ri, a.namespace, a.name, obj, a.user), created: false };
  return { entry: await reg.update(a.ri, a.namespace, a.name, obj, a.dryRun, a.user), created: false };
}
