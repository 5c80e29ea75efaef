/**
 * The container runtime interface the kubelet drives (a small CRI): everything Docker-specific
 * sits behind it, in docker-runtime.ts.
 */
import type { ContainerRole } from "../labels.js";
import type { PullEvent } from "../pull-progress.js";

/** Docker's container states. */
export type RuntimeState = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** A published port of a pod: `"8080/TCP" -> {hostIP, hostPort}` (the `kctl.io/ports` annotation). */
export type PortMap = Record<string, { hostIP: string; hostPort: number }>;

/** One container of this node as the runtime sees it (labels decoded). */
export interface ObservedContainer {
  id: string;
  /** the engine's name, without the leading slash */
  name: string;
  role: ContainerRole;
  podUid: string;
  podName: string;
  podNamespace: string;
  /** the pod spec's container name ("POD" for a sandbox) */
  containerName: string;
  /** restart count recorded when this instance was created */
  restartCount: number;
  state: RuntimeState;
  /** creation time, ms since the epoch */
  createdAt: number;
  /** ISO time, absent when never started */
  startedAt?: string;
  /** ISO time, absent while running or never started */
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** the engine's error, e.g. a failed start */
  error?: string;
  /** the image reference the container was created from */
  image: string;
  /** the image's ID (sha256:...) */
  imageID?: string;
  /** the network holder only (a sandbox, or an app container of a pod without one): the pod IP on the bridge */
  ip?: string;
  /** the network holder only: published ports */
  ports?: PortMap;
  /** user containers in a sandbox: the sandbox whose network namespace they joined (absent: a network of its own) */
  sandboxId?: string;
}

/** A container port to publish: containerPort/protocol with an optional fixed host port. */
export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostPort?: number;
  hostIP?: string;
}

/** What the holder of a pod's network namespace needs (a sandbox, or a pod's only container). */
export interface PodNetworkSpec {
  hostname: string;
  ports: PublishedPort[];
  /** the address published ports bind to */
  bindIP: string;
  /**
   * The pod IP to ask for (the address an earlier instance had, so a restarted container keeps
   * its pod's IP as a sandbox would); the engine's next free one when absent or taken meanwhile.
   */
  ip?: string;
}

/** What a sandbox needs. */
export interface SandboxSpec extends PodNetworkSpec {
  podUid: string;
  podName: string;
  podNamespace: string;
  attempt: number;
  /** extra labels (the test-run label, for example) */
  extraLabels?: Record<string, string>;
}

/** What a user container needs (already resolved: env values, bind mounts, limits). */
export interface ContainerCreateSpec {
  podUid: string;
  podName: string;
  podNamespace: string;
  containerName: string;
  restartCount: number;
  /** the sandbox to join; absent: the container holds the pod's network itself (`network`) */
  sandboxId?: string;
  /** the pod's network when the container has no sandbox to join */
  network?: PodNetworkSpec;
  image: string;
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workingDir?: string;
  /** "hostPath:containerPath[:ro]" */
  binds: string[];
  memoryBytes?: number;
  nanoCpus?: number;
  tty?: boolean;
  stdin?: boolean;
  extraLabels?: Record<string, string>;
}

/** An engine event about one of this node's containers. */
export interface RuntimeEvent {
  id: string;
  action: string;
  podUid?: string;
}

/** Result of running a command in a container. */
export interface ExecResult {
  exitCode: number;
  output: string;
}

/** Which of a container's outputs a chunk came from (a TTY has only stdout). */
export type OutputStream = "stdout" | "stderr";

/** Receives a container's (or a command's) output, chunk by chunk, demultiplexed. */
export type OutputSink = (stream: OutputStream, data: Buffer) => void;

/** What part of a container's log to read (Kubernetes' PodLogOptions, engine-neutral). */
export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  /** lines from the end; undefined = all */
  tail?: number;
  /** only lines after this time (seconds since the epoch) */
  since?: number;
}

/** A log read in progress. */
export interface LogStream {
  /** resolves when the log ended (all of it, or the container stopped while following) or `stop` was called */
  done: Promise<void>;
  stop(): void;
}

/** What an interactive command (exec) or an attach asks for. */
export interface StreamRequest {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A running exec or attach session: input in, output to the sink given when it was opened. */
export interface InteractiveStream {
  /** send bytes to the process' stdin */
  write(data: Buffer): void;
  /** close stdin (half-close; a TTY gets ^D instead, as a terminal user would type it) */
  end(): void;
  /** resize the TTY */
  resize(width: number, height: number): Promise<void>;
  /** resolves with the exit code once the process ended (undefined for an attach) */
  done: Promise<number | undefined>;
  /** drop the session */
  destroy(): void;
}

/** An image the engine holds. */
export interface RuntimeImage {
  /** sha256:... */
  id: string;
  /** its references (repo:tag) */
  tags: string[];
  sizeBytes: number;
  /** ms since the epoch */
  createdAt: number;
}

/** The filesystem the images live on. */
export interface ImageFsUsage {
  capacityBytes: number;
  usedBytes: number;
}

/** Engine facts for the Node object. */
export interface RuntimeVersion {
  /** e.g. docker://20.10.24 */
  runtimeVersion: string;
  kernelVersion: string;
  osImage: string;
}

/** The kubelet's view of a container engine. */
export interface ContainerRuntime {
  /**
   * Every container of this node, inspected. `known` returns the cached view of a container
   * whose state has not changed, which the runtime may reuse instead of inspecting it again.
   */
  listContainers(known?: (id: string, state: string) => ObservedContainer | undefined): Promise<ObservedContainer[]>;
  /** One container, or undefined when gone. */
  inspect(id: string): Promise<ObservedContainer | undefined>;
  /** Create and start a pod sandbox; returns it inspected (IP and ports filled). */
  runSandbox(spec: SandboxSpec): Promise<ObservedContainer>;
  /**
   * Create a pod sandbox without starting it: user containers can already be created against
   * it (they join its namespaces only when they start) while {@link startSandbox} runs.
   */
  createSandbox(spec: SandboxSpec): Promise<string>;
  /**
   * Start a created sandbox (inspect it for its IP and ports). A sandbox that fails to start is
   * removed.
   */
  startSandbox(id: string): Promise<void>;
  /** Create a user container (not started). */
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  /** Start a created container; returns it inspected. */
  startContainer(id: string): Promise<ObservedContainer | undefined>;
  /** SIGTERM, then SIGKILL after `graceSeconds`. Already stopped is fine. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Remove (force). Already gone is fine. */
  removeContainer(id: string): Promise<void>;
  /** The images the engine holds (image garbage collection). */
  listImages(): Promise<RuntimeImage[]>;
  /** Remove an image; rejects when a container uses it. */
  removeImage(id: string): Promise<void>;
  /** How full the filesystem holding the images is. */
  imageFsUsage(): Promise<ImageFsUsage>;
  /** Is the image present locally? */
  hasImage(image: string): Promise<boolean>;
  /**
   * Pull an image, passing on the engine's progress events (per layer: status, bytes). Resolves
   * with the pulled image's size when the engine tells it; rejects with the engine's message.
   */
  pullImage(image: string, onProgress?: (ev: PullEvent) => void): Promise<{ sizeBytes?: number }>;
  /** Run a command in a running container and wait (up to timeoutMs) for its exit code. */
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** Follow the engine's events for this node's containers; reconnects by itself. */
  watchEvents(onEvent: (ev: RuntimeEvent) => void, onReconnect: () => void): { stop(): void };
  /** Engine versions for the node info. */
  version(): Promise<RuntimeVersion>;

  // ---- streaming (the kubelet server: logs, exec, attach, port-forward) ----

  /** Read (or follow) a container's log; chunks go to `sink` demultiplexed. Rejects when the container is gone. */
  logs(id: string, opts: LogOptions, sink: OutputSink): Promise<LogStream>;
  /** Start `cmd` in a running container, wired to `sink`; the session ends with its exit code. */
  execStream(id: string, cmd: string[], req: StreamRequest, sink: OutputSink): Promise<InteractiveStream>;
  /**
   * Attach to a running container's main process (`kubectl attach`). The seam the kubelet
   * server's attach route is meant to use (kubelet/server/attach.ts is written against dockerode
   * on another branch; it moves onto this method at merge).
   */
  attach(id: string, req: StreamRequest, sink: OutputSink): Promise<InteractiveStream>;
  /** Call `onStop` once the container dies or is removed (port-forward ends with its pod). */
  watchContainer(id: string, onStop: () => void): { stop(): void };
  /** One resource-usage sample of a container in the engine's stats format (metrics). */
  stats(id: string, oneShot: boolean, signal: AbortSignal): Promise<unknown>;
}
