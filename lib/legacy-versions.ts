/**
 * Old group/versions kctl still accepts (extensions/v1beta1 and apps/v1beta1 Deployments, ...):
 * what they default differently from the canonical version, and the deprecation warning
 * Kubernetes sent while it served them. Objects are stored and answered in the canonical version.
 */
import { isPlainObject } from "./json.js";
import { groupVersion, type ResourceInfo } from "./kinds.js";

/** Versions whose workloads defaulted `spec.selector` from the template's labels (apps/v1 requires it). */
const SELECTOR_FROM_TEMPLATE = new Set(["extensions/v1beta1", "apps/v1beta1"]);

/**
 * Apply the old version's defaults to a body written in `apiVersion` (before it is stored as the
 * canonical version): a missing selector of a Deployment, ReplicaSet or StatefulSet becomes
 * `matchLabels` of the template's labels, as those versions defaulted it.
 */
export function legacyDefaults(apiVersion: unknown, body: Record<string, unknown>): void {
  if (typeof apiVersion !== "string" || !SELECTOR_FROM_TEMPLATE.has(apiVersion)) return;
  const spec = body.spec;
  if (!isPlainObject(spec) || spec.selector !== undefined) return;
  const labels = isPlainObject(spec.template) && isPlainObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isPlainObject(labels) && Object.keys(labels).length) spec.selector = { matchLabels: { ...labels } };
}

/** Kubernetes' warning for a request in an old version, or undefined for the canonical one. */
export function deprecationWarning(ri: ResourceInfo, apiVersion: string | undefined): string | undefined {
  if (!apiVersion || apiVersion === groupVersion(ri) || !(ri.aliasVersions ?? []).includes(apiVersion)) return undefined;
  return `${apiVersion} ${ri.kind} is deprecated; use ${groupVersion(ri)} ${ri.kind}`;
}
