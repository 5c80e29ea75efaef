/**
 * `kctl set resources deployment web --limits=cpu=200m,memory=512Mi --requests=cpu=100m [-c CONTAINER]`:
 * kubectl's set resources. The named quantities are set on each matching container; the others stay.
 */
import type { Command } from "commander";
import type { Container, ResourceList } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { changeContainers, POD_SPEC_KINDS, updatePodSpecs } from "../set-pod-spec.js";
import { parseWorkloadArgs } from "../workload-args.js";

interface SetResourcesFlags {
  limits?: string;
  requests?: string;
  containers: string;
}

/** `cpu=200m,memory=512Mi` -> a resource list; every value must be a quantity. */
export async function parseResourceList(spec: string | undefined, flag: string): Promise<ResourceList | undefined> {
  if (spec === undefined) return undefined;
  const { isQuantity } = await import("../../lib/quantity.js");
  const out: ResourceList = {};
  for (const item of spec.split(",").filter(Boolean)) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UserError(`${flag}: "${item}" is not NAME=QUANTITY (for example cpu=200m,memory=512Mi)`);
    const value = item.slice(eq + 1);
    if (!isQuantity(value)) throw new UserError(`${flag}: "${value}" is not a quantity (for example 200m, 1, 512Mi, 1Gi)`);
    out[item.slice(0, eq)] = value;
  }
  return out;
}

/** Merge the given limits and requests into one container; undefined when nothing changes. */
export function updateResources(c: Container, limits: ResourceList | undefined, requests: ResourceList | undefined): Container | undefined {
  const resources = {
    ...c.resources,
    ...(limits ? { limits: { ...c.resources?.limits, ...limits } } : {}),
    ...(requests ? { requests: { ...c.resources?.requests, ...requests } } : {}),
  };
  return JSON.stringify(resources) === JSON.stringify(c.resources ?? {}) ? undefined : { ...c, resources };
}

async function run(ctx: CliContext, args: string[], f: SetResourcesFlags): Promise<void> {
  const targets = parseWorkloadArgs(args, POD_SPEC_KINDS, "set the resources of");
  const limits = await parseResourceList(f.limits, "--limits");
  const requests = await parseResourceList(f.requests, "--requests");
  if (!limits && !requests) throw new UserError("you must specify an update to requests or limits (in the form of --requests/--limits)");
  const change = changeContainers(f.containers, (c) => updateResources(c, limits, requests));
  await updatePodSpecs(ctx, targets, change, "resource requirements updated");
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const set = program.commands.find((c) => c.name() === "set") ?? program.command("set").description("Set specific features on objects");
    set
      .command("resources")
      .description("Update resource requests and limits of pod templates (kctl set resources deployment web --limits=cpu=200m,memory=512Mi)")
      .argument("<resource...>", "TYPE NAME... or TYPE/NAME...")
      .option("--limits <list>", "NAME=QUANTITY pairs, e.g. cpu=200m,memory=512Mi")
      .option("--requests <list>", "NAME=QUANTITY pairs, e.g. cpu=100m,memory=256Mi")
      .option("-c, --containers <pattern>", "only the containers whose name matches this glob", "*")
      .action(guarded((args: string[], f: SetResourcesFlags) => run(ctx, args, f)));
  },
};
