/**
 * `kctl set image deploy/web web=img:v2 [sidecar=img:v3 | *=img]`: change container images of a
 * Deployment, ReplicaSet, StatefulSet or Pod (a Deployment or StatefulSet then rolls out a new revision).
 */
import type { Command } from "commander";
import { displayType } from "../../lib/kinds.js";
import type { Container, PodTemplateSpec } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { parseWorkloadArg } from "../workload-args.js";

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

async function run(ctx: CliContext, target: string, pairs: string[]): Promise<void> {
  const { resource, name } = parseWorkloadArg([target], ["Deployment", "ReplicaSet", "StatefulSet", "Pod"], "set the image of");
  const images = parseImagePairs(pairs);
  const client = await ctx.client();
  const ns = ctx.namespace();
  const obj = await client.get<{ apiVersion: string; kind: string; metadata: { name?: string }; spec: { template?: PodTemplateSpec; containers?: Container[]; initContainers?: Container[] } }>(resource.kind, name, ns);
  const podSpec = resource.kind === "Pod" ? (obj.spec as { containers: Container[]; initContainers?: Container[] }) : obj.spec.template?.spec;
  if (!podSpec) throw new UserError(`${resource.kind} "${name}" has no pod template`);
  const res = applyImages(podSpec, images);
  if (res.changed) {
    const patch = { containers: res.containers, ...(res.initContainers ? { initContainers: res.initContainers } : {}) };
    await client.patch(resource.kind, name, resource.kind === "Pod" ? { spec: patch } : { spec: { template: { spec: patch } } }, { namespace: ns });
  }
  ctx.out.write(`${displayType(resource)}/${name} image updated\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const set = program.commands.find((c) => c.name() === "set") ?? program.command("set").description("Set specific features on objects");
    set
      .command("image")
      .description("Update container images (kctl set image deploy/web web=img:v2)")
      .argument("<resource>", "TYPE/NAME, e.g. deployment/web")
      .argument("<pairs...>", "CONTAINER=IMAGE pairs (* for every container)")
      .action(guarded((target: string, pairs: string[]) => run(ctx, target, pairs)));
  },
};
