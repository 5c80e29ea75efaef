/**
 * `kctl exec POD [-c C] [-i] [-t] -- CMD...`: run a command in a container over a WebSocket to
 * the API server (pods/{name}/exec, Kubernetes channel protocol v5/v4). stdin is piped with -i,
 * the local terminal goes raw with -t, and the remote exit code becomes kctl's exit code.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

async function run(ctx: CliContext, podArg: string, command: string[], opts: ExecOptions): Promise<void> {
  if (command.length === 0) throw new UserError("you must specify at least one command for the container (kctl exec POD -- CMD...)");
  const client = await ctx.client();
  const namespace = ctx.namespace();
  const { resolvePodArg } = await import("./logs.js");
  const pod = await resolvePodArg(client, namespace, podArg, ctx.err);
  const stdinWanted = opts.stdin === true;
  let tty = opts.tty === true;
  const stdinIsTty = process.stdin.isTTY === true;
  if (tty && !(stdinWanted && stdinIsTty)) {
    if (!opts.quiet) ctx.err.write("Unable to use a TTY - input is not a terminal or the right kind of file\n");
    tty = false;
  }
  let rawMode = false;
  let onResize: (() => void) | undefined;
  const restore = (): void => {
    if (rawMode) process.stdin.setRawMode(false);
    rawMode = false;
    if (stdinWanted) {
      process.stdin.pause();
      process.stdin.removeAllListeners("data");
    }
    if (onResize) process.stdout.off("resize", onResize);
  };
  const { runRemoteCommand, exitCodeOf, writeBytes } = await import("../remote-command.js");
  let status: Awaited<ReturnType<typeof runRemoteCommand>>;
  try {
    status = await runRemoteCommand(client, {
      kind: "exec",
      namespace,
      pod: pod.metadata.name as string,
      container: opts.container,
      command,
      tty,
      stdin: stdinWanted ? process.stdin : undefined,
      onStdout: (d) => writeBytes(ctx.out, d),
      onStderr: (d) => writeBytes(ctx.err, d),
      onOpen: (sendResize) => {
        if (!tty) return;
        process.stdin.setRawMode(true);
        rawMode = true;
        onResize = () => {
          const w = process.stdout.columns;
          const h = process.stdout.rows;
          if (w && h) sendResize(w, h);
        };
        onResize();
        process.stdout.on("resize", onResize);
      },
    });
  } finally {
    restore();
  }
  const exit = exitCodeOf(status);
  if (exit === undefined) throw new UserError(status?.message ?? "exec failed");
  if (exit !== 0) {
    ctx.err.write(`command terminated with exit code ${exit}\n`);
    process.exitCode = exit;
  }
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("exec")
      .description("Run a command in a container: kctl exec POD [-c C] [-i] [-t] -- CMD [ARGS...]")
      .argument("<pod>", "POD, pod/NAME or deploy/NAME")
      .argument("[command...]", "the command and its arguments (after --)")
      .option("-c, --container <name>", "the container (default: the pod's only container)")
      .option("-i, --stdin", "pass stdin to the container")
      .option("-t, --tty", "stdin is a TTY: put the local terminal in raw mode")
      .option("-q, --quiet", "print only the remote command's output")
      .action(guarded((pod: string, cmd: string[], opts: ExecOptions) => run(ctx, pod, cmd, opts)));
  },
};
