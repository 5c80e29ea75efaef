/**
 * One object named on the command line, in both of kubectl's forms: `TYPE NAME` or
 * `TYPE/NAME` (`deploy web`, `deployment.apps/web`, `deployments.v1.apps/web`). Used by the
 * verbs that act on exactly one object: edit, patch.
 */
import type { ResourceInfo } from "../lib/kinds.js";
import { UserError } from "./errors-output.js";
import { resolveType } from "./resource-args.js";

/** The resource and name of the one object a command acts on. */
export interface ObjectArg {
  resource: ResourceInfo;
  name: string;
}

/** Parse `TYPE NAME` or `TYPE/NAME`; a usage error (kubectl's wording) otherwise. */
export function parseObjectArg(args: readonly string[], verb: string): ObjectArg {
  if (args.length === 1 && args[0].includes("/")) {
    const a = args[0];
    const slash = a.indexOf("/");
    if (slash <= 0 || slash === a.length - 1) throw new UserError(`arguments in resource/name form must have a single resource and name`);
    return { resource: resolveType(a.slice(0, slash)), name: a.slice(slash + 1) };
  }
  if (args.length === 2 && !args[0].includes("/") && !args[1].includes("/")) return { resource: resolveType(args[0]), name: args[1] };
  if (args.length === 0) throw new UserError(`you must specify the type of resource to ${verb} (TYPE NAME or TYPE/NAME)`);
  if (args.length === 1) throw new UserError(`you must specify the name of the resource to ${verb} (TYPE NAME or TYPE/NAME)`);
  throw new UserError(`${verb} takes exactly one object: TYPE NAME or TYPE/NAME, got "${args.join(" ")}"`);
}

/** kubectl's `deployment.apps/web` id of an object. */
export function objectId(a: ObjectArg): string {
  const group = a.resource.group ? `.${a.resource.group}` : "";
  return `${a.resource.singular}${group}/${a.name}`;
}
