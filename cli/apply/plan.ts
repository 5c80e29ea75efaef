/**
 * Plan, check and perform apply/create for a batch of objects. Nothing is written until every
 * object has passed the server's own validation in a dry run (`?dryRun=All`), so a bad third
 * document leaves the first two untouched.
 */
import type { ApiClient } from "../../lib/client.js";
import { isNotFound } from "../../lib/errors.js";
import { collectionPath, objectPath } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import type { ValidObject } from "../manifest/validate.js";
import { isGlobalError, objectErrorLine } from "../object-errors.js";
import { readLastApplied, withLastApplied } from "./last-applied.js";
import { threeWayMergePatch, type Json } from "./merge.js";

export type Action = "create" | "patch" | "unchanged";

/** What will happen to one object. */
export interface PlannedObject {
  v: ValidObject;
  action: Action;
  /** the body to POST (create) */
  body?: KObject;
  /** the merge patch (patch) */
  patch?: Record<string, Json>;
  /** a warning to print (e.g. missing last-applied annotation) */
  warning?: string;
  /** the live object (apply of an existing one): what `-o yaml` shows when nothing changes */
  live?: KObject;
}

function nameOf(v: ValidObject): string {
  return v.obj.metadata.name ?? v.obj.metadata.generateName ?? "";
}

/** Decide create / patch / unchanged for each object (reads the live objects). */
export async function planApply(client: ApiClient, objects: ValidObject[]): Promise<{ plan: PlannedObject[]; errors: string[] }> {
  const plan: PlannedObject[] = [];
  const errors: string[] = [];
  for (const v of objects) {
    const modified = withLastApplied(v.obj);
    let live: KObject | undefined;
    try {
      live = await client.get(v.resource.kind, nameOf(v), v.namespace);
    } catch (e) {
      if (!isNotFound(e) || isGlobalError(e)) {
        if (isGlobalError(e)) throw e;
        errors.push(objectErrorLine(v.resource, nameOf(v), e));
        continue;
      }
    }
    if (!live) {
      plan.push({ v, action: "create", body: modified });
      continue;
    }
    const original = readLastApplied(live);
    const warning =
      original === undefined
        ? `Warning: resource ${v.resource.plural}/${nameOf(v)} is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kctl apply. kctl apply should only be used on resources created declaratively by either kctl create --save-config or kctl apply. The missing annotation will be patched automatically.`
        : undefined;
    const patch = threeWayMergePatch(original, modified as unknown as Record<string, Json>, live as unknown as Json);
    plan.push({ v, action: Object.keys(patch).length ? "patch" : "unchanged", patch, warning, live });
  }
  return { plan, errors };
}

/** Plan plain creates (kctl create). */
export function planCreate(objects: ValidObject[], saveConfig: boolean): PlannedObject[] {
  return objects.map((v) => ({ v, action: "create", body: saveConfig ? withLastApplied(v.obj) : v.obj }));
}

/**
 * The field managers kubectl uses, so that objects written by either CLI have the same owners
 * (and kubectl's and kctl's server-side apply can take over what either applied client-side).
 */
export const FIELD_MANAGERS = { apply: "kubectl-client-side-apply", create: "kubectl-create", serverSide: "kubectl" } as const;

/** Send one planned write (dry run or for real) as `fieldManager`. Returns the server's object. */
export async function perform(client: ApiClient, p: PlannedObject, dryRun: boolean, fieldManager?: string): Promise<KObject | undefined> {
  const query = { dryRun: dryRun ? "All" : undefined, fieldManager };
  const { resource, namespace } = p.v;
  if (p.action === "create") {
    return client.request<KObject>("POST", collectionPath(resource, namespace), { body: p.body, query });
  }
  if (p.action === "patch") {
    return client.request<KObject>("PATCH", objectPath(resource, namespace, nameOf(p.v)), {
      body: p.patch,
      query,
      contentType: "application/merge-patch+json",
    });
  }
  return undefined;
}

/**
 * Server-side validation of every write before any is made. A create whose namespace does not
 * exist yet is accepted when the same batch creates that namespace earlier.
 */
export async function dryRunAll(client: ApiClient, plan: PlannedObject[], fieldManager?: string): Promise<{ errors: string[]; results: Map<PlannedObject, KObject> }> {
  const errors: string[] = [];
  const results = new Map<PlannedObject, KObject>();
  const newNamespaces = new Set(plan.filter((p) => p.action === "create" && p.v.resource.kind === "Namespace").map((p) => nameOf(p.v)));
  for (const p of plan) {
    if (p.action === "unchanged") continue;
    try {
      const result = await perform(client, p, true, fieldManager);
      if (result) results.set(p, result);
    } catch (e) {
      if (isGlobalError(e)) throw e;
      if (isNotFound(e) && p.v.namespace && newNamespaces.has(p.v.namespace)) continue;
      errors.push(objectErrorLine(p.v.resource, nameOf(p.v), e));
    }
  }
  return { errors, results };
}

export { nameOf };
