/**
 * Container logs as plain text: the runtime's log stream demultiplexed (stdout and stderr interleaved
 * in arrival order), optionally followed until the client disconnects or the container stops.
 */
import type { ServerResponse } from "node:http";
import type { ContainerRuntime, LogStream } from "../runtime/types.js";

/** The Kubernetes PodLogOptions the kubelet honours. */
export interface LogRequest {
  follow: boolean;
  timestamps: boolean;
  /** lines from the end; undefined = all */
  tailLines?: number;
  /** only lines newer than this many seconds */
  sinceSeconds?: number;
  /** only lines newer than this RFC 3339 time */
  sinceTime?: string;
  /** stop after this many bytes */
  limitBytes?: number;
}

/** Write the logs of `containerId` to `res` (status 200, text/plain) and end it. */
export async function streamLogs(runtime: ContainerRuntime, containerId: string, req: LogRequest, res: ServerResponse): Promise<void> {
  let since: number | undefined;
  if (req.sinceSeconds !== undefined) since = Date.now() / 1000 - req.sinceSeconds;
  else if (req.sinceTime) since = Date.parse(req.sinceTime) / 1000;

  let written = 0;
  const limit = req.limitBytes;
  let headed = false;
  const head = (): void => {
    if (headed) return;
    headed = true;
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
    res.flushHeaders();
  };
  let log: LogStream | undefined;
  /** false once the byte limit is reached */
  const write = (d: Buffer): void => {
    head();
    if (limit !== undefined) {
      if (written >= limit) return;
      if (written + d.length > limit) d = d.subarray(0, limit - written);
    }
    written += d.length;
    res.write(d);
    if (limit !== undefined && written >= limit) log?.stop();
  };

  log = await runtime.logs(containerId, { follow: req.follow, timestamps: req.timestamps, tail: req.tailLines, since }, (_s, d) => write(d));
  head();
  if (limit !== undefined && written >= limit) log.stop();
  const onClose = (): void => log?.stop();
  res.on("close", onClose);
  await log.done;
  res.off("close", onClose);
  if (!res.writableEnded) res.end();
}
