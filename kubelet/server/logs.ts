/**
 * Container logs as plain text: Docker's log stream demultiplexed (stdout and stderr interleaved
 * in arrival order), optionally followed until the client disconnects or the container stops.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { demuxBuffer, DockerDemux } from "./docker-demux.js";

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
export async function streamLogs(docker: Dockerode, containerId: string, req: LogRequest, res: ServerResponse): Promise<void> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const tty = info.Config?.Tty === true;
  let since: number | undefined;
  if (req.sinceSeconds !== undefined) since = Date.now() / 1000 - req.sinceSeconds;
  else if (req.sinceTime) since = Date.parse(req.sinceTime) / 1000;
  const base: Dockerode.ContainerLogsOptions = { stdout: true, stderr: true, timestamps: req.timestamps };
  if (req.tailLines !== undefined) base.tail = req.tailLines;
  if (since !== undefined && Number.isFinite(since)) base.since = since;

  let written = 0;
  const limit = req.limitBytes;
  /** false once the byte limit is reached */
  const write = (d: Buffer): boolean => {
    if (limit !== undefined) {
      if (written >= limit) return false;
      if (written + d.length > limit) d = d.subarray(0, limit - written);
    }
    written += d.length;
    res.write(d);
    return limit === undefined || written < limit;
  };

  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();

  if (!req.follow) {
    const buf = (await container.logs({ ...base, follow: false })) as Buffer;
    write(tty ? buf : demuxBuffer(buf));
    res.end();
    return;
  }

  const stream = (await container.logs({ ...base, follow: true })) as Readable;
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      stream.destroy();
      if (!res.writableEnded) res.end();
      resolve();
    };
    res.on("close", stop);
    stream.on("end", stop);
    stream.on("close", stop);
    stream.on("error", stop);
    if (tty) {
      stream.on("data", (d: Buffer) => {
        if (!write(d)) stop();
      });
    } else {
      const demux = new DockerDemux((_s, d) => {
        if (!write(d)) stop();
      });
      stream.on("data", (d: Buffer) => demux.write(d));
    }
  });
}
