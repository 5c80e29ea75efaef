/** Fetching objects for get/delete/describe: list with selectors (following `continue`), or by name. */
import type { ApiClient, ListOptions } from "../lib/client.js";
import { collectionPath, type ResourceInfo } from "../lib/kinds.js";
import type { KList, KObject } from "../lib/types.js";

/** List every object of a resource (all pages). `namespace` undefined = all namespaces. */
export async function listAll(client: ApiClient, r: ResourceInfo, opts: ListOptions): Promise<KList> {
  const path = collectionPath(r, r.namespaced ? opts.namespace : undefined);
  const query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  const first = await client.request<KList>("GET", path, { query });
  let cont = first.metadata?.continue;
  while (cont) {
    const page = await client.request<KList>("GET", path, { query: { ...query, continue: cont } });
    first.items.push(...page.items);
    first.metadata.resourceVersion = page.metadata?.resourceVersion ?? first.metadata.resourceVersion;
    cont = page.metadata?.continue;
  }
  first.items ??= [];
  return first;
}

/** The namespace a request for this resource goes to (undefined for cluster-scoped / all). */
export function scopeNamespace(r: ResourceInfo, ns: string, allNamespaces: boolean): string | undefined {
  return r.namespaced && !allNamespaces ? ns : undefined;
}

/** Is this object (from a list) the one named? */
export function named(o: KObject, name: string): boolean {
  return o.metadata.name === name;
}
