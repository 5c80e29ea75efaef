/**
 * `kctl set image deployment web web=img:v2` (or `deploy/web`, several objects, `*=img`): change
 * container images of Deployments, ReplicaSets, StatefulSets or Pods (a Deployment or
 * StatefulSet then rolls out a new revision).
 */
import type { Command } from "commander";
import type { Container } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { POD_SPEC_KINDS, updatePodSpecs } from "../set-pod-spec.js";
import { parseWorkloadArgs, splitResourcesAndUpdates } from "../workload-args.js";

/** Parse `NAME=IMAGE` pairs (`*` means every container). */
export function parseImagePairs(pairs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0 || eq === p.length - 1) throw new UserError(`invalid image update "${p}": use CONTAINER=IMAGE`);
    out.set(p.slice(0, eq), p.slice(eq + 1));
  }
  if (out.size === 0) throw new UserError("at least one image update is required: CONTAINER=IMAGE");
  return out;
}

/**
 * Apply the images to the containers (and init containers). Throws for a container name that is
 * not there, as kubectl. Returns the new containers lists and whether anything changed.
 */
export function applyImages(spec: { containers: Container[]; initContainers?: Container[] }, images: ReadonlyMap<string, string>): { containers: Container[]; initContainers?: Container[]; changed: boolean } {
  const all = [...spec.containers, ...(spec.initContainers ?? [])];
  for (const name of images.keys()) {
    if (name !== "*" && !all.some((c) => c.name === name)) throw new UserError(`unable to find container named "${name}"`);
  }
  let changed = false;
  const update = (c: Container): Container => {
    const img = images.get(c.name) ?? images.get("*");
    if (img === undefined || img === c.image) return c;
    changed = true;
    return { ...c, image: img };
  };
  const containers = spec.containers.map(update);
  const initContainers = spec.initContainers?.map(update);
  return { containers, initContainers, changed };
}

async function run(ctx: CliContext, args: string[]): Promise<void> {
  const { resources, updates } = splitResourcesAndUpdates(args, (a) => a.includes("="));
  const targets = parseWorkloadArgs(resources, POD_SPEC_KINDS, "set the image of");
  const images = parseImagePairs(updates);
  await updatePodSpecs(
    ctx,
    targets,
    (spec) => {
      const res = applyImages(spec, images);
      return res.changed ? { ...spec, containers: res.containers, ...(res.initContainers ? { initContainers: res.initContainers } : {}) } : undefined;
    },
    "image updated",
  );
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const set = program.commands.find((c) => c.name() === "set") ?? program.command("set").description("Set specific features on objects");
    set
      .command("image")
      .description("Update container images (kctl set image deployment web web=img:v2, or deploy/web web=img:v2)")
      .argument("<args...>", "TYPE NAME... or TYPE/NAME..., then CONTAINER=IMAGE pairs (* for every container)")
      .action(guarded((args: string[]) => run(ctx, args)));
  },
};
