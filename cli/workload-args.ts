/** Workload arguments shared by `scale`, `rollout` and `set image`: `TYPE/NAME` or `TYPE NAME`, and counts. */
import { resolveResource, type ResourceInfo } from "../lib/kinds.js";
import { UserError } from "./errors-output.js";

/** A workload named on the command line: `deploy/web`, `deployment web`, `deployments.apps/web`. */
export interface WorkloadArg {
  resource: ResourceInfo;
  name: string;
}

/** Parse `TYPE/NAME` or `TYPE NAME`, accepting only `kinds`. */
export function parseWorkloadArg(args: readonly string[], kinds: readonly string[], verb: string): WorkloadArg {
  let type: string | undefined;
  let name: string | undefined;
  if (args.length === 1 && args[0].includes("/")) [type, name] = [args[0].slice(0, args[0].indexOf("/")), args[0].slice(args[0].indexOf("/") + 1)];
  else if (args.length === 2) [type, name] = args;
  if (!type || !name) throw new UserError(`you must specify a resource to ${verb}, as TYPE/NAME or TYPE NAME (for example deployment/web)`);
  const resource = resolveResource(type);
  if (!resource) throw new UserError(`the server doesn't have a resource type "${type}"`);
  if (!kinds.includes(resource.kind)) throw new UserError(`cannot ${verb} a ${resource.kind}: only ${kinds.map((k) => resolveResource(k)?.plural ?? k).join(", ")}`);
  return { resource, name };
}

/** Parse a non-negative integer flag. */
export function replicasFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag} must be a non-negative integer, got "${v}"`);
  return n;
}
