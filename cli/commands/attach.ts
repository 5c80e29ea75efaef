/**
 * `kctl attach POD [-c C] [-i] [-t] [-q]`, as kubectl: follow a running container's main
 * process (pods/{name}/attach over WebSocket, channel protocol v5/v4): its output from now on,
 * and with -i the local stdin goes to the process (the pod spec needs `stdin: true`). With -t
 * the local terminal goes raw. Detaching never stops the process.
 */
import type { Command } from "commander";
import type { Pod } from "../../lib/types.js";
import type { CliContext, CommandModule, Writer } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface AttachFlags {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

/** The container to attach to: -c, else the pod's only one, else kubectl's default (the first, said on stderr). */
function containerOf(pod: Pod, flag: string | undefined, err: Writer, quiet: boolean): string {
  const names = pod.spec.containers.map((c) => c.name);
  if (flag) {
    if (!names.includes(flag)) throw new UserError(`container ${flag} not found in pod ${pod.metadata.name ?? ""}`);
    return flag;
  }
  if (names.length > 1 && !quiet) err.write(`Defaulted container "${names[0]}" out of: ${names.join(", ")}\n`);
  return names[0];
}

async function run(ctx: CliContext, podArg: string, flags: AttachFlags): Promise<void> {
  const client = await ctx.client();
  const namespace = ctx.namespace();
  const { resolvePodArg } = await import("./logs.js");
  const pod = await resolvePodArg(client, namespace, podArg, ctx.err);
  const name = pod.metadata.name ?? "";
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") throw new UserError(`cannot attach a container in a completed pod; current phase is ${phase}`);
  const container = containerOf(pod, flags.container, ctx.err, flags.quiet === true);
  const spec = pod.spec.containers.find((c) => c.name === container);
  let tty = flags.tty === true;
  if (tty && !spec?.tty) {
    if (!flags.quiet) ctx.err.write(`error: Unable to use a TTY - container ${container} did not allocate one\n`);
    tty = false;
  }
  if (tty && !(flags.stdin && process.stdin.isTTY)) {
    if (!flags.quiet) ctx.err.write("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    tty = false;
  }
  if (flags.stdin && !spec?.stdin && !flags.quiet) ctx.err.write(`Warning: container ${container} does not accept stdin (its spec has no "stdin: true"): input is ignored\n`);
  if (tty && !flags.quiet) ctx.err.write("If you don't see a command prompt, try pressing enter.\n");

  const { runRemoteCommand, exitCodeOf, writeBytes } = await import("../remote-command.js");
  let rawMode = false;
  try {
    const status = await runRemoteCommand(client, {
      kind: "attach",
      namespace,
      pod: name,
      container,
      stdin: flags.stdin ? process.stdin : undefined,
      tty,
      onStdout: (d) => writeBytes(ctx.out, d),
      onStderr: (d) => writeBytes(ctx.err, d),
      onOpen: (resize) => {
        if (!tty) return;
        process.stdin.setRawMode(true);
        rawMode = true;
        const send = (): void => resize(process.stdout.columns, process.stdout.rows);
        send();
        process.stdout.on("resize", send);
      },
    });
    if (exitCodeOf(status) === undefined) throw new UserError(status?.message ?? "attach failed");
  } finally {
    if (rawMode) process.stdin.setRawMode(false);
    if (flags.stdin) process.stdin.pause();
  }
  if (flags.stdin && tty && pod.spec.restartPolicy !== "Never" && !flags.quiet) {
    ctx.err.write(`Session ended, resume using 'kctl attach ${name} -c ${container} -i -t' command when the pod is running\n`);
  }
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("attach")
      .description("Attach to the main process of a running container: kctl attach POD [-c C] [-i] [-t]")
      .argument("<pod>", "POD, pod/NAME or deploy/NAME")
      .option("-c, --container <name>", "the container (default: the pod's first)")
      .option("-i, --stdin", "pass stdin to the container (its spec needs stdin: true)")
      .option("-t, --tty", "stdin is a TTY (the container needs tty: true)")
      .option("-q, --quiet", "only print output from the remote session")
      .action(guarded((pod: string, flags: AttachFlags) => run(ctx, pod, flags)));
  },
};
