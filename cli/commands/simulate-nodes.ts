/**
 * `kctl simulate-nodes`: register N simulated nodes (KWOK-like: they heart-beat and mark pods
 * Running and Ready without running any container) and keep them alive until Ctrl-C.
 * For testing the control plane at scale only: nothing runs on these nodes.
 */
import type { Command } from "commander";
import { parseDuration } from "../../lib/duration.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { boundHeapGrowth, componentLogger, untilSignal, withLogFlags, type LogFlags } from "../component-process.js";
import { parseKeyValues, repeatable } from "../flags.js";

interface SimulateFlags extends LogFlags {
  count: string;
  cpu: string;
  memory: string;
  pods: string;
  namePrefix: string;
  label: string[];
  runDelay: string;
  heartbeat: string;
}

async function run(ctx: CliContext, f: SimulateFlags): Promise<void> {
  const count = Number(f.count);
  const pods = Number(f.pods);
  if (!Number.isInteger(count) || count < 1) throw new UserError(`--count must be a positive integer, got "${f.count}"`);
  if (!Number.isInteger(pods) || pods < 1) throw new UserError(`--pods must be a positive integer, got "${f.pods}"`);
  let runDelayMs: number;
  let heartbeatMs: number;
  try {
    runDelayMs = parseDuration(f.runDelay, "--run-delay");
    heartbeatMs = parseDuration(f.heartbeat, "--heartbeat");
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const labels = parseKeyValues(f.label, "--label");
  const { parseQuantity } = await import("../../lib/quantity.js");
  for (const [flag, q] of [["--cpu", f.cpu], ["--memory", f.memory]] as const) {
    try {
      parseQuantity(q);
    } catch {
      throw new UserError(`${flag}: invalid quantity "${q}" (e.g. 4, 500m, 16Gi)`);
    }
  }
  const client = await ctx.client();
  boundHeapGrowth();
  const logger = await componentLogger(ctx, "simnode", f);
  const { startSimulatedNodes } = await import("../../simnode/index.js");
  const sim = await startSimulatedNodes({
    client,
    logger,
    count,
    namePrefix: f.namePrefix,
    cpu: f.cpu,
    memory: f.memory,
    pods,
    labels,
    runDelayMs,
    heartbeatMs,
  });
  const names = sim.nodeNames;
  const range = names.length === 1 ? names[0] : `${names[0]} .. ${names[names.length - 1]}`;
  ctx.out.write(`${names.length} simulated node(s) registered: ${range} (no containers run on them; Ctrl-C to stop)\n`);
  await untilSignal();
  await sim.stop();
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withLogFlags(program.command("simulate-nodes"))
      .description("Register N simulated nodes that heart-beat and mark their pods Running (no containers), until Ctrl-C")
      .option("--count <n>", "number of nodes", "1")
      .option("--cpu <quantity>", "cpu capacity of each node", "4")
      .option("--memory <quantity>", "memory capacity of each node", "16Gi")
      .option("--pods <n>", "pod capacity of each node", "110")
      .option("--name-prefix <prefix>", "node names are PREFIX-0, PREFIX-1, ...", "sim-node")
      .option("--label <key=value>", "extra node label (repeatable)", repeatable, [])
      .option("--run-delay <duration>", "delay before a bound pod is marked Running", "0s")
      .option("--heartbeat <duration>", "heart-beat period (Lease and Ready condition)", "5s")
      .action(guarded((f: SimulateFlags) => run(ctx, f)));
  },
};
