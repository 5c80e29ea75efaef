/**
 * `kctl exec POD [-c C] [-i] [-t] -- CMD...`: run a command in a container over a WebSocket to
 * the API server (pods/{name}/exec, Kubernetes channel protocol v5/v4). stdin is piped with -i,
 * the local terminal goes raw with -t, and the remote exit code becomes kctl's exit code.
 */
import type { IncomingMessage } from "node:http";
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import type { CliContext, CommandModule, Writer } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The channel-3 Status an exec ends with. */
interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The exit code of a finished exec: 0 on Success, the ExitCode cause on NonZeroExitCode. */
function exitCodeFromStatus(s: ExecStatus | undefined): number | undefined {
  if (!s || s.status === "Success") return 0;
  if (s.reason === "NonZeroExitCode") {
    const cause = s.details?.causes?.find((c) => c.reason === "ExitCode");
    const n = Number(cause?.message);
    if (Number.isInteger(n)) return n;
  }
  return undefined;
}

/** The `ws(s)://.../exec?...` URL of an exec. */
function execUrl(client: ApiClient, namespace: string, pod: string, command: string[], o: { container?: string; stdin: boolean; tty: boolean }): string {
  const u = new URL(client.server);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = `${u.pathname.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`;
  for (const c of command) u.searchParams.append("command", c);
  if (o.container) u.searchParams.set("container", o.container);
  u.searchParams.set("stdin", String(o.stdin));
  u.searchParams.set("stdout", "true");
  u.searchParams.set("stderr", String(!o.tty));
  u.searchParams.set("tty", String(o.tty));
  return u.toString();
}

function writeBytes(w: Writer, data: Buffer): void {
  if (w === process.stdout || w === process.stderr) (w as NodeJS.WriteStream).write(data);
  else w.write(data.toString("utf8"));
}

async function errorFromUpgradeResponse(res: IncomingMessage): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const { errorFromResponse } = await import("../../lib/client.js");
  return errorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks));
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
  const { default: WebSocket } = await import("ws");
  const url = execUrl(client, namespace, pod.metadata.name as string, command, { container: opts.container, stdin: stdinWanted, tty });
  const ws = new WebSocket(url, PROTOCOLS, { headers: client.authHeader(), ...client.tlsOptions() });

  let status: ExecStatus | undefined;
  let rawMode = false;
  const restore = (): void => {
    if (rawMode) process.stdin.setRawMode(false);
    rawMode = false;
    if (stdinWanted) {
      process.stdin.pause();
      process.stdin.removeAllListeners("data");
    }
  };
  const sendResize = (): void => {
    const w = process.stdout.columns;
    const h = process.stdout.rows;
    if (w && h && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([RESIZE]), Buffer.from(JSON.stringify({ Width: w, Height: h }))]));
  };

  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    ws.on("unexpected-response", (req, res) => {
      // the server answered without upgrading (a Status error): read it, then drop the socket
      // (a keep-alive answer would otherwise hold the process open)
      const socket = res.socket;
      errorFromUpgradeResponse(res)
        .then(reject, reject)
        .finally(() => {
          req.destroy();
          socket?.destroy();
        });
    });
    ws.on("error", (e) => reject(e));
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") }));
  });

  ws.on("open", () => {
    if (tty) {
      process.stdin.setRawMode(true);
      rawMode = true;
      sendResize();
      process.stdout.on("resize", sendResize);
    }
    if (!stdinWanted) return;
    process.stdin.on("data", (d: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([STDIN]), d]));
    });
    process.stdin.on("end", () => {
      // v5 can half-close stdin; v4 has no way to say EOF, so the command keeps its stdin open
      if (ws.protocol === PROTOCOLS[0] && ws.readyState === ws.OPEN) ws.send(Buffer.from([CLOSE, STDIN]));
    });
    process.stdin.resume();
  });

  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case STDOUT:
        writeBytes(ctx.out, payload);
        break;
      case STDERR:
        writeBytes(ctx.err, payload);
        break;
      case STATUS:
        try {
          status = JSON.parse(payload.toString("utf8")) as ExecStatus;
        } catch {
          status = { status: "Failure", message: payload.toString("utf8") };
        }
        break;
    }
  });

  try {
    const { code, reason } = await closed;
    if (!status && code !== 1000) throw new UserError(`exec connection closed unexpectedly (${code}${reason ? `: ${reason}` : ""})`);
  } finally {
    restore();
    process.stdout.off("resize", sendResize);
  }
  const exit = exitCodeFromStatus(status);
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
