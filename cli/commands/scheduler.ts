/**
 * `kctl scheduler`: run the scheduler alone against an API server (`--server URL --token T`)
 * until Ctrl-C. `kctl server` runs the same component in-process.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { boundHeapGrowth, componentLogger, untilSignal, withLogFlags, type LogFlags } from "../component-process.js";
import { guarded, UserError } from "../errors-output.js";

interface SchedulerFlags extends LogFlags {
  seed?: string;
  parallelBinds?: string;
  scheduledEvents?: boolean;
}

function intFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UserError(`${name} must be an integer, got "${v}"`);
  return n;
}

async function run(ctx: CliContext, flags: SchedulerFlags): Promise<void> {
  const seed = intFlag(flags.seed, "--seed");
  const parallelBinds = intFlag(flags.parallelBinds, "--parallel-binds");
  const client = await ctx.client();
  boundHeapGrowth();
  const logger = await componentLogger(ctx, "scheduler", flags);
  const { startScheduler } = await import("../../scheduler/index.js");
  const s = await startScheduler({ client, logger, seed, parallelBinds, scheduledEvents: flags.scheduledEvents });
  ctx.err.write(`scheduler running against ${client.server} (Ctrl-C to stop)\n`);
  await untilSignal();
  await s.stop();
  const st = s.stats();
  ctx.err.write(`scheduler stopped: ${st.scheduled} pods bound, ${st.unschedulable} unschedulable attempts\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withLogFlags(program.command("scheduler"))
      .description("Run the scheduler against the API server (--server, --token) until Ctrl-C")
      .option("--seed <n>", "seed for tie-breaks between equally good nodes (same seed, same placements)")
      .option("--parallel-binds <n>", "bindings in flight at once (default 64)")
      .option("--no-scheduled-events", "do not write a Scheduled event per bound pod")
      .action(guarded((flags: SchedulerFlags) => run(ctx, flags)));
  },
};
