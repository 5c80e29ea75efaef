/**
 * One exec (or attach) session: the runtime's interactive stream (runtime/types.ts), bridged to a WebSocket
 * speaking the Kubernetes channel protocol (stdin 0, stdout 1, stderr 2, Status 3, resize 4,
 * v5 close 255). Ends with a channel-3 Status carrying the exit code, then a normal close.
 */
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
import type { ContainerRuntime, InteractiveStream } from "../runtime/types.js";

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
export function runExecSession(runtime: ContainerRuntime, containerId: string, req: ExecRequest, ws: WebSocket, logger: Logger): Promise<void> {
  return bridgeSession(ws, req, logger, {
    what: "exec",
    open: (sink) => runtime.execStream(containerId, req.command, req, sink),
    // the exit code becomes the Status kubectl turns into its own exit code
    ended: (code) => exitStatus(code ?? 1, req.command),
  });
}

/** How a session is opened and what Status its end sends. */
export interface SessionKind {
  what: "exec" | "attach";
  open(sink: (stream: "stdout" | "stderr", data: Buffer) => void): Promise<InteractiveStream>;
  ended(code: number | undefined): ExecStatus;
}

/**
 * Bridge a runtime session (exec or attach) to a WebSocket speaking the channel protocol: stdin
 * (queued until the session is open), resize, the v5 stdin half-close, output channels, and the
 * final channel-3 Status before a normal close.
 */
export function bridgeSession(ws: WebSocket, req: Omit<ExecRequest, "command">, logger: Logger, kind: SessionKind): Promise<void> {
  const queued: Buffer[] = [];
  let stdinEnded = false;
  let session: InteractiveStream | undefined;
  let pendingResize: TerminalSize | undefined;
  let finished = false;

  const resize = (size: TerminalSize): void => {
    if (!req.tty) return;
    if (!session) {
      pendingResize = size;
      return;
    }
    session.resize(size.Width, size.Height).catch((e: Error) => logger.debug({ err: e.message }, `${kind.what} resize failed`));
  };

  const onStdin = (data: Buffer): void => {
    if (!req.stdin || stdinEnded) return;
    if (session) session.write(data);
    else queued.push(data);
  };

  const closeStdin = (): void => {
    if (stdinEnded) return;
    stdinEnded = true;
    session?.end();
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
      session?.destroy();
      resolve();
    });

    void (async () => {
      try {
        const s = await kind.open((stream, d) => send(stream === "stderr" ? CHANNEL_STDERR : CHANNEL_STDOUT, d));
        session = s;
        if (ws.readyState !== ws.OPEN) {
          s.destroy();
          return;
        }
        for (const d of queued.splice(0)) s.write(d);
        if (!req.tty && (!req.stdin || stdinEnded)) s.end();
        else if (stdinEnded) s.end();
        if (pendingResize) resize(pendingResize);
        const code = await s.done;
        logger.debug({ code }, `${kind.what} finished`);
        finish(kind.ended(code));
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        logger.warn({ err: message }, `${kind.what} failed`);
        finish(errorStatus(message));
      }
    })();
  });
}

function toBuffer(raw: RawData): Buffer {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}
