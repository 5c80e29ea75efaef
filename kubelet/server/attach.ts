/**
 * One attach session: Docker's attach to a container's main process (its stdout/stderr from now
 * on, and its stdin when the pod spec has `stdin: true`), bridged to a WebSocket speaking the
 * Kubernetes channel protocol, as exec does. It ends when the process ends (a Success Status) or
 * when the client goes away (the process keeps running: detaching never stops it).
 */
import type { Duplex } from "node:stream";
import type Dockerode from "dockerode";
import type { RawData, WebSocket } from "ws";
import type { Logger } from "../../lib/logger.js";
import { CHANNEL_CLOSE, CHANNEL_ERROR, CHANNEL_RESIZE, CHANNEL_STDERR, CHANNEL_STDIN, CHANNEL_STDOUT, errorStatus, frame, type ExecStatus } from "./channel-protocol.js";
import { DockerDemux } from "./docker-demux.js";

/** What the caller asked for (PodAttachOptions). */
export interface AttachRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * Attach to container `containerId` and bridge it to `ws`. Call synchronously in the WebSocket
 * handler so client messages that arrive while Docker attaches are kept.
 */
export function runAttachSession(docker: Dockerode, containerId: string, req: AttachRequest, ws: WebSocket, logger: Logger): Promise<void> {
  const queued: Buffer[] = [];
  let stream: Duplex | undefined;
  let stdinOpen = false;
  let finished = false;
  const container = docker.getContainer(containerId);

  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data), { binary: true });
  };
  const finish = (status: ExecStatus): void => {
    if (finished) return;
    finished = true;
    send(CHANNEL_ERROR, JSON.stringify(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  ws.on("message", (raw: RawData, isBinary: boolean) => {
    const msg = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary || msg.length === 0) return;
    const payload = msg.subarray(1);
    if (msg[0] === CHANNEL_STDIN) {
      if (!req.stdin) return;
      if (stream && stdinOpen) stream.write(payload);
      else if (!stream) queued.push(payload);
    } else if (msg[0] === CHANNEL_RESIZE && req.tty) {
      try {
        const size = JSON.parse(payload.toString("utf8")) as { Width: number; Height: number };
        if (size.Width > 0 && size.Height > 0) container.resize({ h: size.Height, w: size.Width }).catch((e: Error) => logger.debug({ err: e.message }, "attach resize failed"));
      } catch {
        logger.debug("ignoring a malformed resize message");
      }
    } else if (msg[0] === CHANNEL_CLOSE && payload[0] === CHANNEL_STDIN) {
      // the client's stdin ended; the container's stdin stays open for the next attach, as in
      // Kubernetes (a pod with stdinOnce would close it: not supported)
      stdinOpen = false;
    }
  });

  return new Promise<void>((resolve) => {
    ws.on("close", () => {
      finished = true;
      stream?.destroy();
      resolve();
    });
    void (async () => {
      try {
        const info = await container.inspect();
        const tty = info.Config?.Tty === true;
        const withStdin = req.stdin && info.Config?.OpenStdin === true;
        const s = (await container.attach({ stream: true, stdin: withStdin, stdout: req.stdout, stderr: req.stderr, hijack: withStdin })) as Duplex;
        stream = s;
        stdinOpen = withStdin;
        if (ws.readyState !== ws.OPEN) {
          s.destroy();
          return;
        }
        s.on("error", (e: Error) => logger.debug({ err: e.message }, "attach stream error"));
        if (tty) s.on("data", (d: Buffer) => send(CHANNEL_STDOUT, d));
        else {
          const demux = new DockerDemux((n, d) => send(n === 2 ? CHANNEL_STDERR : CHANNEL_STDOUT, d));
          s.on("data", (d: Buffer) => demux.write(d));
        }
        if (withStdin) for (const d of queued.splice(0)) s.write(d);
        await new Promise<void>((done) => {
          s.on("end", done);
          s.on("close", done);
        });
        logger.debug("attach ended: the container's process exited");
        finish({ metadata: {}, status: "Success" });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        logger.warn({ err: message }, "attach failed");
        finish(errorStatus(message));
      }
    })();
  });
}
