/**
 * Selection of stored objects by namespace, labels and fields, shared by lists (the registry)
 * and watches (the watcher): matched on each entry's kept labels and fields, parsing its JSON
 * only when a field selector names a field that is not kept.
 */
import type { FieldRequirement, Selector } from "../../lib/selector.js";
import { matchesFields } from "../../lib/selector.js";
import type { StoredObject } from "./store.js";

/** What a list or watch selects: a namespace, a label selector, field requirements. */
export interface Selection {
  /** undefined = all namespaces (or a cluster-scoped resource) */
  namespace?: string;
  labels: Selector;
  fields: readonly FieldRequirement[];
}

/**
 * Whether a stored object passes a list/watch filter: matched on its kept labels and fields,
 * parsing its JSON only when a field selector names a field that is not kept.
 */
export function matchesStored(f: Selection, e: StoredObject): boolean {
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false;
  if (!f.labels.empty && !f.labels.matches(e.labels)) return false;
  for (const r of f.fields) {
    const v = e.field(r.field);
    if (v === undefined) return matchesFields(e.object(), f.fields);
    if (r.operator === "!=" ? v === r.value : v !== r.value) return false;
  }
  return true;
}

