/**
 * The client side of Kubernetes' remote-command channel protocol over WebSocket
 * (v5.channel.k8s.io, v4.channel.k8s.io), shared by `kctl attach` and `kctl cp`: open
 * `pods/{name}/exec|attach`, send stdin (channel 0, v5 half-close 255), resize (4), receive
 * stdout (1), stderr (2) and the final Status (3).
 */
import type { IncomingMessage } from "node:http";
import type { ApiClient } from "../lib/client.js";
import type { Writer } from "./command.js";
import { UserError } from "./errors-output.js";

const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The channel-3 Status a session ends with. */
export interface RemoteStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** One session's target and streams. */
export interface RemoteCommandOptions {
  kind: "exec" | "attach";
  namespace: string;
  pod: string;
  container?: string;
  /** exec only */
  command?: string[];
  /** bytes to send as stdin; the session's stdin is half-closed (v5) when it ends */
  stdin?: NodeJS.ReadableStream;
  tty?: boolean;
  /** ask for stderr separately (not with a TTY) */
  stderr?: boolean;
  onStdout(data: Buffer): void;
  onStderr(data: Buffer): void;
  /** called once open (e.g. to put the terminal in raw mode); the returned resize sender is for TTYs */
  onOpen?(sendResize: (width: number, height: number) => void): void;
}

/** The `ws(s)://...` URL of the session. */
export function remoteCommandUrl(client: ApiClient, o: Pick<RemoteCommandOptions, "kind" | "namespace" | "pod" | "container" | "command" | "tty" | "stderr"> & { stdin: boolean }): string {
  const u = new URL(client.server);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = `${u.pathname.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/${o.kind}`;
  for (const c of o.command ?? []) u.searchParams.append("command", c);
  if (o.container) u.searchParams.set("container", o.container);
  u.searchParams.set("stdin", String(o.stdin));
  u.searchParams.set("stdout", "true");
  u.searchParams.set("stderr", String(o.stderr !== false && !o.tty));
  u.searchParams.set("tty", String(o.tty === true));
  return u.toString();
}

async function errorFromUpgradeResponse(res: IncomingMessage): Promise<Error> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const { errorFromResponse } = await import("../lib/client.js");
  return errorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks));
}

/** Run one session to its end; resolves with the server's final Status (undefined: none sent). */
export async function runRemoteCommand(client: ApiClient, o: RemoteCommandOptions): Promise<RemoteStatus | undefined> {
  const { default: WebSocket } = await import("ws");
  const url = remoteCommandUrl(client, { ...o, stdin: o.stdin !== undefined });
  const ws = new WebSocket(url, PROTOCOLS, { headers: client.authHeader(), ...client.tlsOptions() });
  let status: RemoteStatus | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    ws.on("unexpected-response", (req, res) => {
      // a Status error instead of an upgrade: read it, then drop the socket (keep-alive would hold the process)
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
    o.onOpen?.((width, height) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([RESIZE]), Buffer.from(JSON.stringify({ Width: width, Height: height }))]));
    });
    const input = o.stdin;
    if (!input) return;
    input.on("data", (d: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([STDIN]), typeof d === "string" ? Buffer.from(d) : d]));
    });
    input.on("end", () => {
      // v5 half-closes stdin; v4 cannot say EOF
      if (ws.protocol === PROTOCOLS[0] && ws.readyState === ws.OPEN) ws.send(Buffer.from([CLOSE, STDIN]));
    });
    input.resume();
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    if (data[0] === STDOUT) o.onStdout(payload);
    else if (data[0] === STDERR) o.onStderr(payload);
    else if (data[0] === STATUS) {
      try {
        status = JSON.parse(payload.toString("utf8")) as RemoteStatus;
      } catch {
        status = { status: "Failure", message: payload.toString("utf8") };
      }
    }
  });
  const { code, reason } = await closed;
  if (!status && code !== 1000) throw new UserError(`${o.kind} connection closed unexpectedly (${code}${reason ? `: ${reason}` : ""})`);
  return status;
}

/** The exit code a Status reports: 0 on Success, the ExitCode cause on NonZeroExitCode. */
export function exitCodeOf(s: RemoteStatus | undefined): number | undefined {
  if (!s || s.status === "Success") return 0;
  if (s.reason === "NonZeroExitCode") {
    const n = Number(s.details?.causes?.find((c) => c.reason === "ExitCode")?.message);
    if (Number.isInteger(n)) return n;
  }
  return undefined;
}

/** Write output bytes as they came to a real stdout/stderr, as text to any other writer (tests). */
export function writeBytes(w: Writer, data: Buffer): void {
  if (w === process.stdout || w === process.stderr) (w as NodeJS.WriteStream).write(data);
  else w.write(data.toString("utf8"));
}
