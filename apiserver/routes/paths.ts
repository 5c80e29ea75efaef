/**
 * Parse resource URLs: /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUB]] and the same under
 * /apis/GROUP/VERSION/. Alias group/versions of a kind (extensions/v1beta1 Deployments) are
 * served too, answering with the canonical apps/v1 objects.
 */
import { groupVersion, RESOURCES, type ResourceInfo } from "../../lib/kinds.js";
import type { RequestPath } from "./request-path.js";

export interface ResourcePath {
  ri: ResourceInfo;
  /** set for namespaced paths; undefined for cluster-scoped kinds and all-namespaces lists */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** the group/version the path names (an alias of `ri`'s for old versions) */
  gv: string;
}

/**
 * The resource a canonical path names (request-path.ts: segments already decoded, none empty);
 * `undefined` when it names no resource this server serves (404).
 */
export function parseResourcePath(path: RequestPath): ResourcePath | undefined {
  const parts = path.segments;
  let gv: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    gv = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    gv = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  // /namespaces/NS/PLURAL... is a namespaced collection; /namespaces/NS[/status] is a Namespace.
  if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const [plural, name, subresource] = rest;
  const ri = RESOURCES.find((r) => r.plural === plural && (groupVersion(r) === gv || (r.aliasVersions ?? []).includes(gv)));
  if (!ri) return undefined;
  if (namespace !== undefined && !ri.namespaced) return undefined;
  if (subresource !== undefined && !ri.subresources.includes(subresource)) return undefined;
  return { ri, namespace, name, subresource, gv };
}
