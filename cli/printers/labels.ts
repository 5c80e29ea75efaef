/** Label and selector formatting as kubectl prints them. */
import type { LabelSelector, Labels } from "../../lib/types.js";

/** `app=web,tier=front` (keys sorted), `<none>` when empty. */
export function formatLabels(labels: Labels | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${(labels as Labels)[k]}`).join(",");
}

/** A LabelSelector in the string form (`app=web,tier in (a,b)`), `<none>` when empty. */
export function formatSelector(sel: LabelSelector | undefined): string {
  if (!sel) return "<none>";
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) parts.push(`${k}=${(sel.matchLabels as Labels)[k]}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(",") : "<none>";
}
