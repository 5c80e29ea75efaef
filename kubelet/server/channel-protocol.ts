/**
 * The Kubernetes remote-command channel protocol over WebSocket (`v4.channel.k8s.io`,
 * `v5.channel.k8s.io`): every binary message starts with one byte naming its channel.
 */

/** stdin (client -> server) */
export const CHANNEL_STDIN = 0;
/** stdout (server -> client) */
export const CHANNEL_STDOUT = 1;
/** stderr (server -> client) */
export const CHANNEL_STDERR = 2;
/** the final Status JSON (server -> client) */
export const CHANNEL_ERROR = 3;
/** terminal size JSON `{"Width":80,"Height":24}` (client -> server) */
export const CHANNEL_RESIZE = 4;
/** v5 only: `[255, channel]` half-closes that channel (the client closes stdin this way) */
export const CHANNEL_CLOSE = 255;

export const PROTOCOL_V5 = "v5.channel.k8s.io";
export const PROTOCOL_V4 = "v4.channel.k8s.io";

/** The sub-protocols this server speaks, best first. */
export const SUPPORTED_PROTOCOLS: readonly string[] = [PROTOCOL_V5, PROTOCOL_V4];

/**
 * Pick the sub-protocol: the client's first offer that we speak (the client's order is its
 * preference). `undefined` when the client offered none (we then speak v4 framing anyway);
 * `false` when it offered only protocols we do not speak.
 */
export function selectProtocol(offered: Iterable<string>): string | false | undefined {
  let any = false;
  for (const p of offered) {
    any = true;
    if (SUPPORTED_PROTOCOLS.includes(p)) return p;
  }
  return any ? false : undefined;
}

/** One binary message: the channel byte followed by the payload. */
export function frame(channel: number, payload: Buffer | string): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/** The channel-3 Status of an exec, as Kubernetes' kubelet writes it (no kind/apiVersion). */
export interface ExecStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Status for a finished command: Success on 0, else NonZeroExitCode with the code as a cause. */
export function exitStatus(exitCode: number, command: string[]): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** Status for an exec that could not run at all (the engine refused, the container went away). */
export function errorStatus(message: string): ExecStatus {
  return { metadata: {}, status: "Failure", message, reason: "InternalError" };
}
