/** Workload arguments shared by `scale`, `rollout`, `expose` and `set`: `TYPE/NAME` or `TYPE NAME`, and counts. */
import { resolveResource, type ResourceInfo } from "../lib/kinds.js";
import { UserError } from "./errors-output.js";
import { resolveType } from "./resource-args.js";

/** A workload named on the command line: `deploy/web`, `deployment web`, `deployments.apps/web`. */
export interface WorkloadArg {
  resource: ResourceInfo;
  name: string;
}

function accept(type: string, kinds: readonly string[], verb: string): ResourceInfo {
  const resource = resolveType(type);
  if (!kinds.includes(resource.kind)) throw new UserError(`cannot ${verb} a ${resource.kind}: only ${kinds.map((k) => resolveResource(k)?.plural ?? k).join(", ")}`);
  return resource;
}

/**
 * Parse kubectl's two forms for one or more objects: `TYPE/NAME...` or `TYPE NAME...`,
 * accepting only `kinds`.
 */
export function parseWorkloadArgs(args: readonly string[], kinds: readonly string[], verb: string): WorkloadArg[] {
  const usage = `you must specify a resource to ${verb}, as TYPE/NAME or TYPE NAME (for example deployment/web)`;
  if (args.length === 0) throw new UserError(usage);
  if (args.some((a) => a.includes("/"))) {
    return args.map((a) => {
      const slash = a.indexOf("/");
      if (slash <= 0 || slash === a.length - 1) {
        throw new UserError("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kctl get resource/<resource_name>' instead of 'kctl get resource resource/<resource_name>')");
      }
      return { resource: accept(a.slice(0, slash), kinds, verb), name: a.slice(slash + 1) };
    });
  }
  if (args.length < 2) throw new UserError(usage);
  const [type, ...names] = args;
  const resource = accept(type, kinds, verb);
  return names.map((name) => ({ resource, name }));
}

/** Parse `TYPE/NAME` or `TYPE NAME` for exactly one object, accepting only `kinds`. */
export function parseWorkloadArg(args: readonly string[], kinds: readonly string[], verb: string): WorkloadArg {
  const all = parseWorkloadArgs(args, kinds, verb);
  if (all.length !== 1) throw new UserError(`you must specify exactly one resource to ${verb}, got ${all.length}`);
  return all[0];
}

/**
 * Split `set` arguments into the objects and the updates, as kubectl does: the updates start
 * at the first argument that `isUpdate` accepts, and every argument after it must be one too.
 */
export function splitResourcesAndUpdates(args: readonly string[], isUpdate: (a: string) => boolean): { resources: string[]; updates: string[] } {
  const first = args.findIndex(isUpdate);
  if (first < 0) return { resources: [...args], updates: [] };
  const updates = args.slice(first);
  if (!updates.every(isUpdate)) throw new UserError(`all resources must be specified before the changes: ${args.join(" ")}`);
  return { resources: args.slice(0, first), updates };
}

/** Parse a non-negative integer flag. */
export function replicasFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag} must be a non-negative integer, got "${v}"`);
  return n;
}
