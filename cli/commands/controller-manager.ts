/**
 * `kctl controller-manager`: run every controller (ReplicaSet, Deployment, Endpoints, garbage
 * collector, node lifecycle) alone against an API server (`--server URL --token T`) until Ctrl-C.
 * `kctl server` runs the same controllers in-process.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { withLogFlags, type LogFlags } from "../component-process.js";

interface Flags extends LogFlags {
  nodeMonitorGracePeriod: string;
  podEvictionTimeout: string;
  workers: string;
  clusterCidr: string;
  nodeCidrMaskSize: string;
  serviceCidr: string;
}

async function run(ctx: CliContext, flags: Flags): Promise<void> {
  const { parseDuration } = await import("../../lib/duration.js");
  const { boundHeapGrowth, componentLogger, untilSignal } = await import("../component-process.js");
  boundHeapGrowth();
  const { startControllerManager } = await import("../../controllers/index.js");
  const workers = Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UserError(`--workers must be a positive integer, got "${flags.workers}"`);
  const maskSize = Number(flags.nodeCidrMaskSize);
  if (!Number.isInteger(maskSize) || maskSize < 1 || maskSize > 30) throw new UserError(`--node-cidr-mask-size must be a prefix length 1-30, got "${flags.nodeCidrMaskSize}"`);
  const { clusterCidrConflict, hostNetworks } = await import("../../controllers/nodeipam/host-networks.js");
  let conflict: string | undefined;
  try {
    conflict = clusterCidrConflict(flags.clusterCidr, flags.serviceCidr, hostNetworks());
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  if (conflict) throw new UserError(`${conflict}: choose another --cluster-cidr`);
  const client = await ctx.client();
  const logger = await componentLogger(ctx, "controller-manager", flags);
  const cm = await startControllerManager({
    client,
    logger,
    nodeMonitorGracePeriodSeconds: parseDuration(flags.nodeMonitorGracePeriod, "--node-monitor-grace-period") / 1000,
    podEvictionTimeoutSeconds: parseDuration(flags.podEvictionTimeout, "--pod-eviction-timeout") / 1000,
    workers,
    clusterCidr: flags.clusterCidr,
    nodeCidrMaskSize: maskSize,
    serviceCidr: flags.serviceCidr,
  });
  ctx.err.write(`controller manager running against ${client.server} (Ctrl-C to stop)\n`);
  await untilSignal();
  await cm.stop();
  client.close();
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withLogFlags(program.command("controller-manager"))
      .description("Run the controllers (ReplicaSet, Deployment, Endpoints, GC, node lifecycle) against the API server until Ctrl-C")
      .option("--node-monitor-grace-period <duration>", "a node silent this long becomes NotReady (Ready=Unknown) and is tainted unreachable", "15s")
      .option("--pod-eviction-timeout <duration>", "pods of an unreachable node are deleted this long after it was tainted", "5s")
      .option("--workers <n>", "parallel reconciles per controller", "4")
      .option("--cluster-cidr <cidr>", "pod address range; every node gets a slice of it in spec.podCIDR", "10.244.0.0/16")
      .option("--node-cidr-mask-size <bits>", "prefix length of each node's pod range", "24")
      .option("--service-cidr <cidr>", "the Service range (the cluster CIDR may not overlap it)", "10.96.0.0/12")
      .action(guarded((flags: Flags) => run(ctx, flags)));
  },
};
