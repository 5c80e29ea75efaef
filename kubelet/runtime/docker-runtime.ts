/**
 * The Docker implementation of ContainerRuntime (dockerode). Pod sandboxes are `kctl/pause:1`
 * containers that own the pod's network namespace and published ports; user containers join it
 * with `NetworkMode: container:<sandbox>`. A pod run without a sandbox has its only container
 * hold the network itself (the same hostname, ports, network and DNS a sandbox would get). Every
 * container carries the labels of labels.ts.
 */
import { statfs } from "node:fs/promises";
import { PassThrough } from "node:stream";
import Dockerode from "dockerode";
import type { Logger } from "../../lib/logger.js";
import {
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  LABEL_ROLE,
  type ContainerRole,
} from "../labels.js";
import { ensureSandboxImage, SANDBOX_IMAGE } from "../sandbox-image.js";
import type { PullEvent } from "../pull-progress.js";
import { dockerAttach, dockerExecStream, dockerLogs, dockerStats, dockerWatchContainer } from "./docker-streams.js";
import type {
  ContainerCreateSpec,
  ContainerRuntime,
  ExecResult,
  ImageFsUsage,
  InteractiveStream,
  RuntimeImage,
  LogOptions,
  LogStream,
  OutputSink,
  StreamRequest,
  ObservedContainer,
  PodNetworkSpec,
  PortMap,
  RuntimeEvent,
  RuntimeState,
  RuntimeVersion,
  SandboxSpec,
} from "./types.js";

/** A dockerode client for a `unix://` or `tcp://` address, or a socket path. */
export function dockerClient(opts: { dockerSocket?: string; dockerHost?: string } = {}): Dockerode {
  const host = opts.dockerHost ?? process.env.DOCKER_HOST;
  if (opts.dockerSocket) return new Dockerode({ socketPath: opts.dockerSocket });
  if (!host) return new Dockerode({ socketPath: "/var/run/docker.sock" });
  if (host.startsWith("unix://")) return new Dockerode({ socketPath: host.slice("unix://".length) });
  const u = new URL(host.replace(/^tcp:/, "http:"));
  return new Dockerode({ host: u.hostname, port: Number(u.port || 2375), protocol: "http" });
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

function shortName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, "-");
}

function rand(): string {
  return Math.random().toString(36).slice(2, 6);
}

/** Decode an inspected container into the kubelet's view. */
export function fromInspect(info: Dockerode.ContainerInspectInfo): ObservedContainer {
  const labels = info.Config?.Labels ?? {};
  const st = info.State;
  const netMode = info.HostConfig?.NetworkMode ?? "";
  const ports: PortMap = {};
  for (const [key, binds] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const b = (binds ?? [])[0];
    if (!b) continue;
    const [port, proto] = key.split("/");
    ports[`${port}/${(proto ?? "tcp").toUpperCase()}`] = { hostIP: b.HostIp, hostPort: Number(b.HostPort) };
  }
  const ip = (info.NetworkSettings as { IPAddress?: string } | undefined)?.IPAddress || Object.values(info.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ""),
    role: (labels[LABEL_ROLE] as ContainerRole) ?? "container",
    podUid: labels[LABEL_POD_UID] ?? "",
    podName: labels[LABEL_POD_NAME] ?? "",
    podNamespace: labels[LABEL_POD_NAMESPACE] ?? "",
    containerName: labels[LABEL_CONTAINER_NAME] ?? "",
    restartCount: Number(labels[LABEL_RESTART_COUNT] ?? 0) || 0,
    state: (st.Status as RuntimeState) ?? "exited",
    createdAt: Date.parse(info.Created),
    ...(st.StartedAt && st.StartedAt !== ZERO_TIME ? { startedAt: st.StartedAt } : {}),
    ...(st.FinishedAt && st.FinishedAt !== ZERO_TIME && !st.Running ? { finishedAt: st.FinishedAt } : {}),
    ...(st.Running ? {} : { exitCode: st.ExitCode }),
    ...(st.OOMKilled ? { oomKilled: true } : {}),
    ...(st.Error ? { error: st.Error } : {}),
    image: info.Config?.Image ?? "",
    imageID: info.Image,
    // A user container either joined a sandbox's namespace or holds the pod's network itself.
    ...(netMode.startsWith("container:") ? { sandboxId: netMode.slice("container:".length) } : { ip, ports }),
  };
}

function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number }).statusCode === 404;
}

function engineMessage(e: unknown): string {
  const err = e as { json?: { message?: string }; reason?: string; message?: string };
  return err.json?.message ?? err.message ?? String(e);
}

/** ContainerRuntime over a Docker engine. */
export class DockerRuntime implements ContainerRuntime {
  /** DNS settings for a new sandbox of a namespace (the node's DNS server); undefined: the engine's default. */
  sandboxDns?: (namespace: string) => { servers: string[]; searches: string[]; options: string[] } | undefined;
  /**
   * The Docker network of new sandboxes (the node's pod bridge, ../network/); it throws while the
   * pod network is not ready. Undefined: the engine's default bridge.
   */
  sandboxNetwork?: () => string;

  constructor(
    readonly docker: Dockerode,
    private readonly nodeName: string,
    private readonly logger: Logger,
    private readonly extraLabels: Record<string, string> = {},
  ) {}

  private labels(pod: { podUid: string; podName: string; podNamespace: string }, container: string, role: ContainerRole, restartCount: number): Record<string, string> {
    return {
      ...this.extraLabels,
      [LABEL_POD_UID]: pod.podUid,
      [LABEL_POD_NAME]: pod.podName,
      [LABEL_POD_NAMESPACE]: pod.podNamespace,
      [LABEL_CONTAINER_NAME]: container,
      [LABEL_NODE]: this.nodeName,
      [LABEL_ROLE]: role,
      [LABEL_RESTART_COUNT]: String(restartCount),
      [LABEL_MANAGED]: "true",
    };
  }

  async listContainers(known?: (id: string, state: string) => ObservedContainer | undefined): Promise<ObservedContainer[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE}=${this.nodeName}`] } });
    const out = await Promise.all(
      list.map(async (c) => {
        const cached = known?.(c.Id, c.State);
        if (cached) return cached;
        return this.inspect(c.Id);
      }),
    );
    return out.filter((c): c is ObservedContainer => Boolean(c));
  }

  async inspect(id: string): Promise<ObservedContainer | undefined> {
    try {
      return fromInspect(await this.docker.getContainer(id).inspect());
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async runSandbox(spec: SandboxSpec): Promise<ObservedContainer> {
    const id = await this.createSandbox(spec);
    await this.startSandbox(id);
    const info = await this.inspect(id);
    if (!info) throw new Error("pod sandbox vanished right after start");
    return info;
  }

  async createSandbox(spec: SandboxSpec): Promise<string> {
    await ensureSandboxImage(this.docker, this.logger);
    const net = this.podNetworkConfig(spec, spec.podNamespace);
    const c = await this.docker.createContainer({
      name: shortName(`k8s_POD_${spec.podName}_${spec.podNamespace}_${spec.podUid.slice(0, 8)}_${spec.attempt}_${rand()}`),
      Image: SANDBOX_IMAGE,
      Labels: { ...this.labels(spec, "POD", "sandbox", spec.attempt), ...(spec.extraLabels ?? {}) },
      ...net.config,
      HostConfig: { ...net.hostConfig, RestartPolicy: { Name: "no" }, IpcMode: "shareable" },
    });
    return c.id;
  }

  /**
   * The engine settings of a pod's network namespace, for its holder (a sandbox, or the only
   * container of a pod run without one): hostname, published ports bound to the node IP, the pod
   * network (and the IP asked for, on a network of kctl's own), the node's DNS.
   */
  private podNetworkConfig(
    spec: PodNetworkSpec,
    namespace: string,
  ): { config: Pick<Dockerode.ContainerCreateOptions, "Hostname" | "ExposedPorts" | "NetworkingConfig">; hostConfig: Dockerode.HostConfig } {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      bindings[key] = [{ HostIp: p.hostIP || spec.bindIP, HostPort: p.hostPort ? String(p.hostPort) : "" }];
    }
    const dns = this.sandboxDns?.(namespace);
    const network = this.sandboxNetwork?.();
    return {
      config: {
        Hostname: spec.hostname.slice(0, 63),
        ExposedPorts: exposed,
        ...(network && spec.ip ? { NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: spec.ip } } } } } : {}),
      },
      hostConfig: {
        PortBindings: bindings,
        ...(network ? { NetworkMode: network } : {}),
        ...(dns ? { Dns: dns.servers, DnsSearch: dns.searches, DnsOptions: dns.options } : {}),
      },
    };
  }

  async startSandbox(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    try {
      await c.start();
    } catch (e) {
      await c.remove({ force: true }).catch(() => undefined);
      throw new Error(`failed to start pod sandbox: ${engineMessage(e)}`);
    }
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const net = spec.sandboxId === undefined && spec.network ? this.podNetworkConfig(spec.network, spec.podNamespace) : undefined;
    const c = await this.docker.createContainer({
      name: shortName(`k8s_${spec.containerName}_${spec.podName}_${spec.podNamespace}_${spec.podUid.slice(0, 8)}_${spec.restartCount}_${rand()}`),
      Image: spec.image,
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      Env: spec.env,
      ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
      Labels: { ...this.labels(spec, spec.containerName, "container", spec.restartCount), ...(spec.extraLabels ?? {}) },
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdin ?? false,
      ...net?.config,
      HostConfig: {
        ...(net ? net.hostConfig : { NetworkMode: `container:${spec.sandboxId}`, IpcMode: `container:${spec.sandboxId}` }),
        Binds: spec.binds,
        RestartPolicy: { Name: "no" },
        ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
        ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
      },
    });
    return c.id;
  }

  async startContainer(id: string): Promise<ObservedContainer | undefined> {
    await this.docker.getContainer(id).start();
    return this.inspect(id);
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 304 || code === 404) return; // already stopped / gone
      throw e;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 404) return;
      if (code === 409 && /already in progress/.test(engineMessage(e))) return;
      throw e;
    }
  }

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async pullImage(image: string, onProgress?: (ev: PullEvent) => void): Promise<{ sizeBytes?: number }> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (e) {
      throw new Error(engineMessage(e));
    }
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, out: { error?: string }[]) => {
          const failed = (out ?? []).find((o) => o.error);
          if (err || failed) reject(new Error(failed?.error ?? err?.message));
          else resolve();
        },
        (ev: PullEvent) => onProgress?.(ev),
      );
    });
    const info = (await this.docker.getImage(image).inspect().catch(() => undefined)) as { Size?: number } | undefined;
    return { sizeBytes: info?.Size };
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on("data", (c: Buffer) => {
      if (chunks.length < 64) chunks.push(c);
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`command timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      stream.on("end", () => (clearTimeout(timer), resolve()));
      stream.on("close", () => (clearTimeout(timer), resolve()));
      stream.on("error", (e: Error) => (clearTimeout(timer), reject(e)));
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString("utf8") };
  }

  watchEvents(onEvent: (ev: RuntimeEvent) => void, onReconnect: () => void): { stop(): void } {
    let stopped = false;
    let current: NodeJS.ReadableStream | undefined;
    let delay = 200;
    let first = true;
    const connect = async (): Promise<void> => {
      if (stopped) return;
      try {
        const stream = await this.docker.getEvents({
          filters: { type: ["container"], label: [`${LABEL_NODE}=${this.nodeName}`], event: ["start", "die", "oom", "destroy", "stop", "kill"] },
        });
        if (stopped) {
          (stream as unknown as { destroy(): void }).destroy();
          return;
        }
        current = stream;
        delay = 200;
        if (!first) {
          this.logger.info("docker event stream reconnected");
          onReconnect();
        }
        first = false;
        let pending = "";
        stream.on("data", (chunk: Buffer) => {
          pending += chunk.toString("utf8");
          let nl: number;
          while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (!line) continue;
            try {
              const ev = JSON.parse(line) as { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
              const id = ev.Actor?.ID ?? ev.id;
              if (!id) continue;
              onEvent({ id, action: ev.Action ?? ev.status ?? "", podUid: ev.Actor?.Attributes?.[LABEL_POD_UID] });
            } catch {
              // ignore a malformed line
            }
          }
        });
        const retry = (): void => {
          if (current !== stream) return;
          current = undefined;
          if (!stopped) setTimeout(() => void connect(), delay).unref();
        };
        stream.on("end", retry);
        stream.on("close", retry);
        stream.on("error", retry);
      } catch (e) {
        first = false;
        this.logger.warn({ err: engineMessage(e), retryMs: delay }, "docker event stream unavailable; retrying");
        setTimeout(() => void connect(), delay).unref();
        delay = Math.min(delay * 2, 5000);
      }
    };
    void connect();
    return {
      stop: () => {
        stopped = true;
        (current as unknown as { destroy?: () => void } | undefined)?.destroy?.();
      },
    };
  }

  async version(): Promise<RuntimeVersion> {
    const [v, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<{ OperatingSystem?: string; KernelVersion?: string }>]);
    return {
      runtimeVersion: `docker://${v.Version}`,
      kernelVersion: info.KernelVersion ?? v.KernelVersion ?? "",
      osImage: info.OperatingSystem ?? "",
    };
  }

  logs(id: string, opts: LogOptions, sink: OutputSink): Promise<LogStream> {
    return dockerLogs(this.docker, id, opts, sink);
  }

  execStream(id: string, cmd: string[], req: StreamRequest, sink: OutputSink): Promise<InteractiveStream> {
    return dockerExecStream(this.docker, id, cmd, req, sink);
  }

  attach(id: string, req: StreamRequest, sink: OutputSink): Promise<InteractiveStream> {
    return dockerAttach(this.docker, id, req, sink);
  }

  watchContainer(id: string, onStop: () => void): { stop(): void } {
    return dockerWatchContainer(this.docker, id, onStop);
  }

  stats(id: string, oneShot: boolean, signal: AbortSignal): Promise<unknown> {
    return dockerStats(this.docker, id, oneShot, signal);
  }

  async listImages(): Promise<RuntimeImage[]> {
    const list = await this.docker.listImages({ all: false });
    return list.map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"), sizeBytes: i.Size, createdAt: i.Created * 1000 }));
  }

  async removeImage(id: string): Promise<void> {
    // no force: the engine refuses an image a container (even a stopped one) was created from
    await this.docker.getImage(id).remove({ force: false });
  }

  async imageFsUsage(): Promise<ImageFsUsage> {
    const info = (await this.docker.info()) as { DockerRootDir?: string };
    const st = await statfs(info.DockerRootDir ?? "/var/lib/docker");
    return { capacityBytes: st.blocks * st.bsize, usedBytes: (st.blocks - st.bfree) * st.bsize };
  }
}
