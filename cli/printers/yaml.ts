/** YAML output (`-o yaml`), formatted like kubectl's (block style, no line folding). */
import YAML from "yaml";

/** One document, ending in a newline. */
export function toYaml(value: unknown): string {
  return YAML.stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
