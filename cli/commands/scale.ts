/**
 * `kctl scale deploy/web --replicas=N` (also `rs/NAME`, `TYPE NAME`): writes the scale
 * subresource, as kubectl does. `--current-replicas` is a precondition.
 */
import type { Command } from "commander";
import { displayType, resolveResource, type ResourceInfo } from "../../lib/kinds.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

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

interface ScaleFlags {
  replicas?: string;
  currentReplicas?: string;
}

async function run(ctx: CliContext, args: string[], flags: ScaleFlags): Promise<void> {
  const replicas = replicasFlag(flags.replicas, "--replicas");
  if (replicas === undefined) throw new UserError("--replicas is required: the new number of replicas");
  const current = replicasFlag(flags.currentReplicas, "--current-replicas");
  const target = parseWorkloadArg(args, ["Deployment", "ReplicaSet"], "scale");
  const client = await ctx.client();
  const ns = ctx.namespace();
  if (current !== undefined) {
    const scale = await client.getScale(target.resource.kind, target.name, ns);
    if ((scale.spec.replicas ?? 0) !== current) throw new UserError(`Expected replicas to be ${current}, was ${scale.spec.replicas ?? 0}`);
  }
  await client.updateScale(target.resource.kind, target.name, replicas, ns);
  ctx.out.write(`${displayType(target.resource)}/${target.name} scaled\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("scale")
      .description("Set a new size for a deployment or replica set (kctl scale deploy/web --replicas=3)")
      .argument("<resource...>", "TYPE/NAME or TYPE NAME")
      .option("--replicas <n>", "the new number of replicas")
      .option("--current-replicas <n>", "precondition: only scale if the current size is this")
      .action(guarded((args: string[], flags: ScaleFlags) => run(ctx, args, flags)));
  },
};
