/** YAML output (`-o yaml`): keys sorted as kubectl prints them, block style, no line folding. */
import YAML from "yaml";

/** Recursively sort object keys (kubectl's YAML goes through a sorted map). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** One document, ending in a newline. */
export function toYaml(value: unknown): string {
  return YAML.stringify(sortKeys(value), { lineWidth: 0, aliasDuplicateObjects: false, indentSeq: false });
}
