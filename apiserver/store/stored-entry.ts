/**
 * The in-memory form of a stored object: its JSON, its labels and kept fields for selectors,
 * and nothing parsed beyond that (see StoredObject).
 */
import type { KObject } from "../../lib/types.js";
import { keptFields, keptFieldValues } from "./selectable-fields.js";
import { objectKey, type StoredObject } from "./store.js";

class StoredEntry implements StoredObject {
  constructor(
    readonly resource: string,
    readonly namespace: string,
    readonly name: string,
    readonly json: string,
    readonly rev: number,
    readonly labels: Readonly<Record<string, string>> | undefined,
    /** values of keptFields(resource), in order */
    private readonly fields: readonly string[] | undefined,
  ) {}

  /** Derived, not stored: 10,000 pod keys would cost ~2 MB. */
  get key(): string {
    return objectKey(this.resource, this.namespace, this.name);
  }

  field(path: string): string | undefined {
    if (path === "metadata.name") return this.name;
    if (path === "metadata.namespace") return this.namespace;
    const i = keptFields(this.resource)?.indexOf(path) ?? -1;
    return i < 0 ? undefined : this.fields?.[i];
  }

  object(): KObject {
    return JSON.parse(this.json) as KObject;
  }
}

/**
 * The entry for an object serialized as `json`; callers that already hold the parsed object pass
 * it as `obj` to skip a parse.
 */
export function storedEntry(resource: string, namespace: string, name: string, json: string, rev: number, obj?: KObject): StoredObject {
  const parsed = obj ?? (JSON.parse(json) as KObject);
  const labels = parsed.metadata.labels;
  return new StoredEntry(resource, namespace, name, json, rev, labels ? { ...labels } : undefined, keptFieldValues(resource, parsed));
}
