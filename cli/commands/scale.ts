/**
 * `kctl scale deploy/web --replicas=N` (also `rs/NAME`, `TYPE NAME`): writes the scale
 * subresource, as kubectl does. `--current-replicas` is a precondition.
 */
import type { Command } from "commander";
import { displayType } from "../../lib/kinds.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { parseWorkloadArg, replicasFlag } from "../workload-args.js";

interface ScaleFlags {
  replicas?: string;
  currentReplicas?: string;
}

async function run(ctx: CliContext, args: string[], flags: ScaleFlags): Promise<void> {
  const replicas = replicasFlag(flags.replicas, "--replicas");
  if (replicas === undefined) throw new UserError("--replicas is required: the new number of replicas");
  const current = replicasFlag(flags.currentReplicas, "--current-replicas");
  const target = parseWorkloadArg(args, ["Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"], "scale");
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
