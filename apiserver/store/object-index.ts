/**
 * Stored objects in memory, by resource, namespace and name, with lists sorted by namespace then
 * name (the order every list answer uses): the SQLite store's committed state and the etcd store's
 * mirror of its key prefix.
 */
import type { StoredObject, StoreView } from "./store.js";

interface Bucket {
  items: Map<string, StoredObject>;
  /** sorted names, rebuilt lazily after creates/deletes (updates keep the order) */
  sorted: string[] | null;
}

/** Objects by resource/namespace/name; `currentRevision` is the caller's to keep. */
export class ObjectIndex implements Omit<StoreView, "currentRevision"> {
  private readonly resources = new Map<string, Map<string, Bucket>>();

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.resources.get(resource)?.get(namespace)?.items.get(name);
  }

  list(resource: string, namespace?: string): StoredObject[] {
    const byNs = this.resources.get(resource);
    if (!byNs) return [];
    const out: StoredObject[] = [];
    const namespaces = namespace === undefined ? [...byNs.keys()].sort() : [namespace];
    for (const ns of namespaces) {
      const b = byNs.get(ns);
      if (!b) continue;
      if (!b.sorted) b.sorted = [...b.items.keys()].sort();
      for (const n of b.sorted) {
        const e = b.items.get(n);
        if (e) out.push(e);
      }
    }
    return out;
  }

  count(resource: string, namespace?: string): number {
    const byNs = this.resources.get(resource);
    if (!byNs) return 0;
    if (namespace !== undefined) return byNs.get(namespace)?.items.size ?? 0;
    let n = 0;
    for (const b of byNs.values()) n += b.items.size;
    return n;
  }

  /** Every object, in no particular order. */
  *all(): IterableIterator<StoredObject> {
    for (const byNs of this.resources.values()) for (const b of byNs.values()) yield* b.items.values();
  }

  put(e: StoredObject): void {
    let byNs = this.resources.get(e.resource);
    if (!byNs) this.resources.set(e.resource, (byNs = new Map()));
    let b = byNs.get(e.namespace);
    if (!b) byNs.set(e.namespace, (b = { items: new Map(), sorted: null }));
    if (!b.items.has(e.name)) b.sorted = null;
    b.items.set(e.name, e);
  }

  remove(resource: string, namespace: string, name: string): void {
    const byNs = this.resources.get(resource);
    const b = byNs?.get(namespace);
    if (!b) return;
    if (b.items.delete(name)) b.sorted = null;
    if (b.items.size === 0) byNs?.delete(namespace);
  }
}
