/**
 * ControllerRevisions as Kubernetes writes them for StatefulSets (pkg/controller/history and
 * stateful_set_utils.go): `data` is the strategic merge patch `{spec: {template: {..., $patch:
 * "replace"}}}` that restores the template, the name is `<set>-<hash>`, and pods carry the
 * revision's name in `controller-revision-hash`. Shared by the StatefulSet controller (writes) and
 * `kctl rollout history|undo` (reads), as kubectl reads them.
 */
import { canonicalJson, safeEncode } from "./pod-template-hash.js";
import type { ControllerRevision, PodTemplateSpec } from "./types.js";

/** UTF-8 bytes without Node's Buffer: the web view (ui/) uses these hashes too. */
const UTF8 = new TextEncoder();

/** On a revision: its hash; on a pod: the name of the revision it was made from. */
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

/** The strategic merge patch a StatefulSet revision stores (getPatch in Kubernetes). */
export function templatePatch(template: PodTemplateSpec): { spec: { template: PodTemplateSpec & { $patch: "replace" } } } {
  return { spec: { template: { ...structuredClone(template), $patch: "replace" } } };
}

/**
 * The template a revision restores; undefined when `data` is not a template patch (a revision
 * written by something else: it is skipped, never trusted).
 */
export function templateOfRevision(rev: ControllerRevision): PodTemplateSpec | undefined {
  const data = rev.data;
  if (!isRecord(data) || !isRecord(data.spec) || !isRecord(data.spec.template)) return undefined;
  const { $patch: _replace, ...template } = data.spec.template;
  if (!isRecord(template.spec) || !Array.isArray(template.spec.containers)) return undefined;
  return structuredClone(template) as unknown as PodTemplateSpec;
}

/** FNV-1 (not 1a), 32 bit: Kubernetes' hashControllerRevision uses fnv.New32. */
export function fnv32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of UTF8.encode(s)) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= byte;
  }
  return h >>> 0;
}

/**
 * The hash that names a revision: FNV-1 over the data, then the collision count (Kubernetes
 * always writes the probe), in the safe alphabet. The data is hashed as canonical JSON (sorted
 * keys), so the same template always gives the same name.
 */
export function revisionHash(data: unknown, collisionCount: number): string {
  return safeEncode(String(fnv32(canonicalJson(data) + String(collisionCount))));
}

/** Whether two revisions restore the same thing (history.EqualRevision). */
export function revisionsEqual(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/** Revisions oldest first: by revision number, then name (history.SortControllerRevisions). */
export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
