/** JSON output (`-o json`): kubectl's 4-space indentation; several objects become a `List`. */
import type { KObject } from "../../lib/types.js";

/** Wrap objects in a `v1 List`, as kubectl prints multi-object output. */
export function asList(items: KObject[]): { apiVersion: string; kind: string; items: KObject[]; metadata: { resourceVersion: string } } {
  return { apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } };
}

/** One JSON document ending in a newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}
