/**
 * `kctl cp LOCAL [NAMESPACE/]POD:PATH [-c C]` and `kctl cp [NAMESPACE/]POD:PATH LOCAL`, as
 * kubectl: through exec and the container's `tar` (cli/cp/copy.ts). Prints nothing on success.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface CpFlags {
  container?: string;
}

/** `[NS/]POD:PATH`, or undefined for a local path (kubectl: a colon with something before it). */
export function parseRemote(arg: string): { namespace?: string; pod: string; path: string } | undefined {
  const colon = arg.indexOf(":");
  if (colon <= 0) return undefined;
  const podPart = arg.slice(0, colon);
  const file = arg.slice(colon + 1);
  if (podPart.includes("/")) {
    const [namespace, pod, ...rest] = podPart.split("/");
    if (rest.length || !namespace || !pod) throw new UserError(`invalid pod specification "${podPart}": use [NAMESPACE/]POD:PATH`);
    return { namespace, pod, path: file };
  }
  return { pod: podPart, path: file };
}

async function run(ctx: CliContext, src: string, dest: string, flags: CpFlags): Promise<void> {
  const from = parseRemote(src);
  const to = parseRemote(dest);
  if (from && to) throw new UserError("one of src or dest must be a local file specification");
  if (!from && !to) throw new UserError("one of src or dest must be a remote file specification");
  const remote = (from ?? to)!;
  if (remote.path === "") throw new UserError("remote path can not be empty");
  const client = await ctx.client();
  const ref = { namespace: remote.namespace ?? ctx.namespace(), pod: remote.pod, container: flags.container };
  const { copyFromPod, copyToPod } = await import("../cp/copy.js");
  if (to) return copyToPod(client, src, ref, to.path);
  for (const w of await copyFromPod(client, ref, from!.path, dest)) ctx.err.write(`${w}\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("cp")
      .description("Copy files and directories to and from containers (kctl cp web.conf web-1:/etc/web.conf; needs tar in the container)")
      .argument("<src>", "LOCAL or [NAMESPACE/]POD:PATH")
      .argument("<dest>", "[NAMESPACE/]POD:PATH or LOCAL")
      .option("-c, --container <name>", "the container (default: the pod's only one)")
      .action(guarded((src: string, dest: string, flags: CpFlags) => run(ctx, src, dest, flags)));
  },
};
