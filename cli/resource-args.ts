/**
 * Turn `get`/`delete`/`describe` arguments into resources and names, as kubectl reads them:
 * `pods`, `po web-1 web-2`, `pod/web-1 svc/web`, `pods,services`, `all`.
 */
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import { resolveResource, suggestKind, resourceForKind, type ResourceInfo } from "../lib/kinds.js";
import type { KObject } from "../lib/types.js";
import { UserError } from "./errors-output.js";
import { listAll } from "./list.js";

export interface ResourceRequest {
  resource: ResourceInfo;
  /** empty: every object (list) */
  names: string[];
}

/** What `all` expands to. */
export const ALL_KINDS = ["Pod", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "CronJob", "Job"];

/**
 * `deployments.v1.apps` (kubectl's fully qualified `resource.version.group`): the resource when
 * that version is the one served.
 */
function resolveVersioned(name: string): ResourceInfo | undefined {
  const parts = name.split(".");
  if (parts.length < 3 || !/^v\d+((alpha|beta)\d+)?$/.test(parts[1])) return undefined;
  const r = resolveResource(`${parts[0]}.${parts.slice(2).join(".")}`);
  return r && r.version === parts[1] ? r : undefined;
}

/** Resolve one type name (`po`, `pods`, `deployments.apps`, `deployments.v1.apps`) or fail with kubectl's message (plus a suggestion). */
export function resolveType(name: string): ResourceInfo {
  const r = resolveResource(name) ?? resolveVersioned(name);
  if (r) return r;
  const guess = suggestKind(name.replace(/s$/i, "")) ?? suggestKind(name);
  const hint = guess ? `; did you mean ${resourceForKind(guess)?.plural ?? guess}?` : "";
  throw new UserError(`the server doesn't have a resource type "${name}"${hint}`);
}

function expandTypes(spec: string): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const part of spec.split(",").filter(Boolean)) {
    if (part === "all") out.push(...ALL_KINDS.map((k) => resourceForKind(k)!));
    else out.push(resolveType(part));
  }
  return out;
}

/** Parse positional args. Throws a UserError for an empty or malformed request. */
export function parseResourceArgs(args: string[]): ResourceRequest[] {
  if (args.length === 0) {
    throw new UserError("you must specify the type of resource to get. Use \"kctl api-resources\" for a complete list of supported resources");
  }
  if (args.some((a) => a.includes("/"))) {
    const byType = new Map<ResourceInfo, string[]>();
    for (const a of args) {
      const slash = a.indexOf("/");
      if (slash <= 0 || slash === a.length - 1) {
        throw new UserError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kctl get resource/<resource_name>' instead of 'kctl get resource resource/<resource_name>'`);
      }
      const r = resolveType(a.slice(0, slash));
      byType.set(r, [...(byType.get(r) ?? []), a.slice(slash + 1)]);
    }
    return [...byType].map(([resource, names]) => ({ resource, names }));
  }
  const [types, ...names] = args;
  const resources = expandTypes(types);
  if (names.length && resources.length > 1) throw new UserError("you may only specify a single resource type when naming objects");
  return resources.map((resource) => ({ resource, names }));
}

/** An object a command line names or selects, as read when the command started. */
export interface FoundObject {
  resource: ResourceInfo;
  obj: KObject;
}

/**
 * The objects that `label`, `annotate` and `wait` act on, read now and in order: named
 * (`TYPE NAME...`, `TYPE/NAME...`) or selected (`TYPE -l SELECTOR`, `TYPE --all`), never both.
 * With `skipMissing`, a named object that does not exist is left out instead of failing.
 */
export async function findObjects(
  client: ApiClient,
  namespace: string,
  args: string[],
  selection: { selector?: string; all?: boolean },
  skipMissing = false,
): Promise<FoundObject[]> {
  const out: FoundObject[] = [];
  for (const req of parseResourceArgs(args)) {
    const ns = req.resource.namespaced ? namespace : undefined;
    if (req.names.length) {
      if (selection.selector || selection.all) throw new UserError("name cannot be provided when a selector or --all is specified");
      for (const name of req.names) {
        try {
          out.push({ resource: req.resource, obj: await client.get(req.resource.kind, name, ns) });
        } catch (e) {
          if (!(skipMissing && isNotFound(e))) throw e;
        }
      }
      continue;
    }
    if (!selection.selector && !selection.all) throw new UserError("resource(s) were provided, but no name was specified");
    const list = await listAll(client, req.resource, { namespace: ns, labelSelector: selection.selector });
    for (const obj of list.items) out.push({ resource: req.resource, obj });
  }
  return out;
}
