/**
 * The streaming half of the Docker runtime: logs, interactive exec, attach, a container's end
 * and its stats, each turned into the engine-neutral shapes of types.ts (demultiplexed output,
 * an InteractiveStream), so the kubelet server never sees dockerode.
 */
import type { Duplex, Readable } from "node:stream";
import type Dockerode from "dockerode";
import { demuxBuffer, DockerDemux } from "./docker-demux.js";
import type { InteractiveStream, LogOptions, LogStream, OutputSink, StreamRequest } from "./types.js";

const toStream = (s: 1 | 2): "stdout" | "stderr" => (s === 2 ? "stderr" : "stdout");

/** Read or follow a container's log. */
export async function dockerLogs(docker: Dockerode, id: string, opts: LogOptions, sink: OutputSink): Promise<LogStream> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  const tty = info.Config?.Tty === true;
  const base: Dockerode.ContainerLogsOptions = { stdout: true, stderr: true, timestamps: opts.timestamps };
  if (opts.tail !== undefined) base.tail = opts.tail;
  if (opts.since !== undefined && Number.isFinite(opts.since)) base.since = opts.since;
  if (!opts.follow) {
    const buf = (await container.logs({ ...base, follow: false })) as Buffer;
    // A TTY's log is one raw stream; otherwise Docker's frames, kept in arrival order.
    if (tty) sink("stdout", buf);
    else {
      const whole = demuxBuffer(buf);
      if (whole.length) sink("stdout", whole);
    }
    return { done: Promise.resolve(), stop: () => undefined };
  }
  const stream = (await container.logs({ ...base, follow: true })) as Readable;
  const demux = tty ? undefined : new DockerDemux((s, d) => sink(toStream(s), d));
  stream.on("data", (d: Buffer) => (demux ? demux.write(d) : sink("stdout", d)));
  const done = new Promise<void>((resolve) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", () => resolve());
  });
  return { done, stop: () => stream.destroy() };
}

/** Bridge a hijacked Docker connection (exec or attach) to an InteractiveStream. */
function interactive(stream: Duplex, tty: boolean, sink: OutputSink, resize: (w: number, h: number) => Promise<void>, exitCode: () => Promise<number | undefined>): InteractiveStream {
  if (tty) stream.on("data", (d: Buffer) => sink("stdout", d));
  else {
    const demux = new DockerDemux((s, d) => sink(toStream(s), d));
    stream.on("data", (d: Buffer) => demux.write(d));
  }
  stream.on("error", () => undefined);
  const ended = new Promise<void>((resolve) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
  });
  let stdinEnded = false;
  return {
    write: (d) => {
      if (!stdinEnded) stream.write(d);
    },
    end: () => {
      if (stdinEnded) return;
      // Half-closing a TTY session makes Docker drop it (and its output): send ^D instead.
      if (tty) stream.write(Buffer.from([4]));
      else stream.end();
      stdinEnded = true;
    },
    resize,
    done: ended.then(exitCode),
    destroy: () => stream.destroy(),
  };
}

/** Start a command in a running container, attached. */
export async function dockerExecStream(docker: Dockerode, id: string, cmd: string[], req: StreamRequest, sink: OutputSink): Promise<InteractiveStream> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdin: req.stdin, AttachStdout: req.stdout, AttachStderr: req.stderr, Tty: req.tty });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: req.tty })) as Duplex;
  return interactive(
    stream,
    req.tty,
    sink,
    async (w, h) => {
      if (req.tty) await exec.resize({ h, w });
    },
    () => execExitCode(exec),
  );
}

/** Attach to a running container's main process. */
export async function dockerAttach(docker: Dockerode, id: string, req: StreamRequest, sink: OutputSink): Promise<InteractiveStream> {
  const container = docker.getContainer(id);
  // The container decides: a TTY only if it was created with one, stdin only if it keeps it open
  // (`stdin: true` in the pod spec); a client asking for more gets what there is.
  const info = await container.inspect();
  const tty = info.Config?.Tty === true;
  const withStdin = req.stdin && info.Config?.OpenStdin === true;
  const stream = (await container.attach({ stream: true, hijack: withStdin, stdin: withStdin, stdout: req.stdout, stderr: req.stderr })) as Duplex;
  const session = interactive(
    stream,
    tty,
    sink,
    async (w, h) => {
      if (tty) await container.resize({ h, w });
    },
    async () => undefined,
  );
  // Detaching never closes the process' stdin (Kubernetes without stdinOnce): a client's EOF only stops forwarding.
  return { ...session, write: (d) => (withStdin ? session.write(d) : undefined), end: () => undefined };
}

/** The exit code once Docker reports the exec finished (inspect can lag the stream's end briefly). */
async function execExitCode(exec: Dockerode.Exec): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (Date.now() > deadline) return info.ExitCode ?? 1;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Call `onStop` once the container dies or is removed. */
export function dockerWatchContainer(docker: Dockerode, id: string, onStop: () => void): { stop(): void } {
  let events: NodeJS.ReadableStream | undefined;
  let stopped = false;
  const destroy = (s: NodeJS.ReadableStream): void => (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  docker
    .getEvents({ filters: { container: [id], event: ["die", "destroy"] } })
    .then((s) => {
      events = s;
      if (stopped) destroy(s);
      s.on("data", () => onStop());
      s.on("error", () => undefined);
    })
    .catch(() => undefined);
  return {
    stop: () => {
      stopped = true;
      if (events) destroy(events);
    },
  };
}

/** One stats sample (dockerode passes abortSignal to the request; its typings do not list it). */
export function dockerStats(docker: Dockerode, id: string, oneShot: boolean, signal: AbortSignal): Promise<unknown> {
  const query = { stream: false as const, "one-shot": oneShot, abortSignal: signal };
  return docker.getContainer(id).stats(query) as Promise<unknown>;
}
