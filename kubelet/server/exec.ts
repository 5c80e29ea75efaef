/**
 * One exec session: a Docker exec attached over a hijacked connection, bridged to a WebSocket
 * speaking the Kubernetes channel protocol (stdin 0, stdout 1, stderr 2, Status 3, resize 4,
 * v5 close 255). Ends with a channel-3 Status carrying the exit code, then a normal close.
 */
import type { Duplex } from "node:stream";
import type Dockerode from "dockerode";
import type { WebSocket, RawData } from "ws";
import type { Logger } from "../../lib/logger.js";
import {
  CHANNEL_CLOSE,
  CHANNEL_ERROR,
  CHANNEL_RESIZE,
  CHANNEL_STDERR,
  CHANNEL_STDIN,
  CHANNEL_STDOUT,
  errorStatus,
  exitStatus,
  frame,
  type ExecStatus,
} from "./channel-protocol.js";
import { DockerDemux } from "./docker-demux.js";

/** What the caller asked for (the exec query string). */
export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

interface TerminalSize {
  Width: number;
  Height: number;
}

/**
 * Run `req.command` in container `containerId` and bridge it to `ws`. Attach this synchronously
 * in the WebSocket handler: client messages that arrive while the exec is being created are kept.
 */
export function runExecSession(docker: Dockerode, containerId: string, req: ExecRequest, ws: WebSocket, logger: Logger): Promise<void> {
  const queued: Buffer[] = [];
  let stdinEnded = false;
  let dockerStream: Duplex | undefined;
  let exec: Dockerode.Exec | undefined;
  let pendingResize: TerminalSize | undefined;
  let finished = false;

  const resize = (size: TerminalSize): void => {
    if (!req.tty) return;
    if (!exec || !dockerStream) {
      pendingResize = size;
      return;
    }
    exec.resize({ h: size.Height, w: size.Width }).catch((e: Error) => logger.debug({ err: e.message }, "exec resize failed"));
  };

  const onStdin = (data: Buffer): void => {
    if (!req.stdin || stdinEnded) return;
    if (dockerStream) dockerStream.write(data);
    else queued.push(data);
  };

  const closeStdin = (): void => {
    if (stdinEnded) return;
    if (req.tty) {
      // Half-closing a TTY exec's connection makes Docker drop the session (and its output):
      // end the input as a terminal user does, with ^D.
      onStdin(Buffer.from([4]));
      stdinEnded = true;
      return;
    }
    stdinEnded = true;
    if (dockerStream) dockerStream.end();
  };

  ws.on("message", (raw: RawData, isBinary: boolean) => {
    const msg = toBuffer(raw);
    if (!isBinary || msg.length === 0) return;
    const channel = msg[0];
    const payload = msg.subarray(1);
    if (channel === CHANNEL_STDIN) onStdin(payload);
    else if (channel === CHANNEL_RESIZE) {
      try {
        const size = JSON.parse(payload.toString("utf8")) as TerminalSize;
        if (size.Width > 0 && size.Height > 0) resize(size);
      } catch {
        logger.debug("ignoring a malformed resize message");
      }
    } else if (channel === CHANNEL_CLOSE && payload[0] === CHANNEL_STDIN) closeStdin();
  });

  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data), { binary: true });
  };

  const finish = (status: ExecStatus): void => {
    if (finished) return;
    finished = true;
    send(CHANNEL_ERROR, JSON.stringify(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  return new Promise<void>((resolve) => {
    ws.on("close", () => {
      finished = true;
      dockerStream?.destroy();
      resolve();
    });

    void (async () => {
      try {
        const container = docker.getContainer(containerId);
        exec = await container.exec({
          Cmd: req.command,
          AttachStdin: req.stdin,
          AttachStdout: req.stdout,
          AttachStderr: req.stderr,
          Tty: req.tty,
        });
        const stream = (await exec.start({ hijack: true, stdin: true, Tty: req.tty })) as Duplex;
        dockerStream = stream;
        if (ws.readyState !== ws.OPEN) {
          stream.destroy();
          return;
        }
        stream.on("error", (e: Error) => logger.debug({ err: e.message }, "exec stream error"));
        if (req.tty) {
          stream.on("data", (d: Buffer) => send(CHANNEL_STDOUT, d));
        } else {
          const demux = new DockerDemux((s, d) => send(s === 2 ? CHANNEL_STDERR : CHANNEL_STDOUT, d));
          stream.on("data", (d: Buffer) => demux.write(d));
        }
        for (const d of queued.splice(0)) stream.write(d);
        if (!req.tty && (!req.stdin || stdinEnded)) stream.end();
        if (pendingResize) resize(pendingResize);
        await new Promise<void>((done) => {
          stream.on("end", done);
          stream.on("close", done);
        });
        const code = await exitCodeOf(exec);
        logger.debug({ command: req.command, code }, "exec finished");
        finish(exitStatus(code, req.command));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        logger.warn({ err: message, command: req.command }, "exec failed");
        finish(errorStatus(message));
      }
    })();
  });
}

/** The exit code once Docker reports the exec finished (inspect can lag the stream's end briefly). */
async function exitCodeOf(exec: Dockerode.Exec): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (Date.now() > deadline) return info.ExitCode ?? 1;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}
