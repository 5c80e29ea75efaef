/**
 * FakeRuntime: a ContainerRuntime for kubelet tests, in memory, driven by an injected clock, so
 * the kubelet's sync, restart policy, back-off, probes, init containers, termination order and
 * status run against a real API server in seconds, without Docker. Test support only: nothing
 * in the product imports it.
 *
 * What a container does is scripted by its image (and optionally its command):
 *
 *   fake.script("app:v1", { exitAfterMs: 100, exitCode: 1 })          // crashes after 100 ms
 *   fake.script("stubborn:v1", { ignoreTerm: true })                  // only SIGKILL stops it
 *   fake.script("web:v1", { exec: (cmd) => ({ exitCode: 0, output: "" }) })
 *
 * Images are present when listed in `images`; others "pull" unless named in `unpullable`; a pull
 * of an image given to `holdPull` lasts until the test ends it, with the progress the test sends. Every
 * call is recorded in `calls` (name and container name) for ordering assertions.
 */
import { randomBytes } from "node:crypto";
import type { Clock } from "../../lib/clock.js";
import type { PullEvent } from "../../kubelet/pull-progress.js";
import type {
  ContainerCreateSpec,
  ContainerRuntime,
  ExecResult,
  ImageFsUsage,
  InteractiveStream,
  RuntimeImage,
  LogOptions,
  LogStream,
  ObservedContainer,
  OutputSink,
  RuntimeEvent,
  RuntimeVersion,
  PodNetworkSpec,
  SandboxSpec,
  StreamRequest,
} from "../../kubelet/runtime/types.js";

/** What a fake container does. */
export interface FakeScript {
  /** exit on its own this long after starting (undefined: run until stopped) */
  exitAfterMs?: number;
  /** the exit code of that exit; default 0 */
  exitCode?: number;
  /** SIGTERM does nothing: the container ends only at the grace period's SIGKILL */
  ignoreTerm?: boolean;
  /** what an exec in it returns (probes, hooks); default exit 0 */
  exec?: (cmd: string[], c: ObservedContainer) => ExecResult | Promise<ExecResult>;
  /** the start fails with this engine message */
  startError?: string;
}

/** One recorded call. */
export interface FakeCall {
  op: string;
  /** the pod spec's container name ("POD" for a sandbox), when the call names a container */
  container?: string;
  podName?: string;
  /** the clock's time of the call */
  at: number;
  detail?: string;
  /** createContainer: the binds (`host:container[:ro]`) */
  binds?: string[];
}

interface FakeContainer {
  c: ObservedContainer;
  script: FakeScript;
  /** pending self-exit or SIGKILL */
  timer?: { cancel(): void };
  /** resolves the stop() waiting for this container's exit */
  onExit: (() => void)[];
  log: string[];
  /** a user container holding its pod's network (no sandbox) */
  network?: PodNetworkSpec;
}

/** A pull the test drives: it sends the engine's progress events and says when the pull ends. */
export class HeldPull {
  /** the kubelet's progress callback, once the pull has started */
  onProgress?: (ev: PullEvent) => void;
  started = false;
  private end!: (err?: Error) => void;
  /** settles when the test ends the pull */
  readonly done = new Promise<void>((resolve, reject) => (this.end = (err) => (err ? reject(err) : resolve())));

  /** Send one engine progress event (ignored before the pull started). */
  progress(ev: PullEvent): void {
    this.onProgress?.(ev);
  }

  /** End the pull: successfully, or with the engine's message. */
  finish(error?: string): void {
    this.end(error ? new Error(error) : undefined);
  }
}

/** The in-memory runtime. */
export class FakeRuntime implements ContainerRuntime {
  readonly calls: FakeCall[] = [];
  readonly images = new Set<string>();
  readonly unpullable = new Set<string>();
  private readonly held = new Map<string, HeldPull>();
  /** while set, every sandbox start fails with this engine message */
  sandboxStartError?: string;
  private readonly scripts = new Map<string, FakeScript>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private ipCounter = 2;
  /** when set, every call rejects with this message (an engine that is down) */
  down?: string;

  constructor(private readonly clock: Clock, images: string[] = []) {
    for (const i of images) this.images.add(i);
  }

  /** Script what containers of `image` do (a command-specific script wins: `image|cmd words`). */
  script(image: string, s: FakeScript, command?: string[]): this {
    this.scripts.set(command ? `${image}|${command.join(" ")}` : image, s);
    return this;
  }

  /** The containers of a pod (copies). */
  podContainers(podName: string): ObservedContainer[] {
    return [...this.containers.values()].filter((f) => f.c.podName === podName).map((f) => ({ ...f.c }));
  }

  /** Calls of these ops, in order. */
  ops(...ops: string[]): FakeCall[] {
    return this.calls.filter((c) => ops.includes(c.op));
  }

  /** Make a running container exit now, as `docker kill` would (137) or a crash would. */
  crash(id: string, exitCode = 137): void {
    this.exit(id, exitCode);
  }

  // ---- ContainerRuntime ----

  async listContainers(): Promise<ObservedContainer[]> {
    this.check();
    return [...this.containers.values()].map((f) => ({ ...f.c }));
  }

  async inspect(id: string): Promise<ObservedContainer | undefined> {
    this.check();
    const f = this.containers.get(id);
    return f ? { ...f.c } : undefined;
  }

  async runSandbox(spec: SandboxSpec): Promise<ObservedContainer> {
    const id = await this.createSandbox(spec);
    await this.startSandbox(id);
    return { ...this.containers.get(id)!.c };
  }

  async createSandbox(spec: SandboxSpec): Promise<string> {
    this.check();
    const id = this.newId();
    const ports = this.publish(spec);
    this.containers.set(id, {
      c: {
        id,
        name: `k8s_POD_${spec.podName}_${spec.podNamespace}_${spec.attempt}`,
        role: "sandbox",
        podUid: spec.podUid,
        podName: spec.podName,
        podNamespace: spec.podNamespace,
        containerName: "POD",
        restartCount: spec.attempt,
        state: "created",
        createdAt: this.clock.now(),
        image: "kctl/pause:1",
        ports,
      },
      script: {},
      onExit: [],
      log: [],
    });
    this.record("createSandbox", "POD", spec.podName);
    return id;
  }

  /** Published ports as the engine reports them (a fixed host port, else the next free one). */
  private publish(spec: PodNetworkSpec): ObservedContainer["ports"] {
    const ports: ObservedContainer["ports"] = {};
    let hostPort = 30000 + this.containers.size;
    for (const p of spec.ports) ports[`${p.containerPort}/${p.protocol}`] = { hostIP: spec.bindIP, hostPort: p.hostPort ?? hostPort++ };
    return ports;
  }

  /** Addresses something outside the kubelet holds on the fake network (a test takes a pod's IP). */
  readonly takenIPs = new Set<string>();

  /** Pod IPs handed out by the fake network (a container holding its own network asks for one). */
  private podIP(wanted?: string): string {
    const used = new Set([...this.takenIPs, ...[...this.containers.values()].filter((f) => f.c.state === "running").map((f) => f.c.ip)]);
    if (wanted && !used.has(wanted)) return wanted;
    if (wanted) throw new Error(`Address already in use: ${wanted}`);
    return `10.88.0.${this.ipCounter++}`;
  }

  async startSandbox(id: string): Promise<void> {
    this.check();
    const f = this.mustGet(id);
    if (this.sandboxStartError) {
      // as the Docker runtime: a sandbox that fails to start is removed
      this.containers.delete(id);
      throw new Error(this.sandboxStartError);
    }
    f.c.state = "running";
    f.c.startedAt = new Date(this.clock.now()).toISOString();
    f.c.ip = `10.88.0.${this.ipCounter++}`;
    this.record("startSandbox", "POD", f.c.podName);
    this.emit(id, "start", f.c.podUid);
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    this.check();
    if (!this.images.has(spec.image)) throw new Error(`No such image: ${spec.image}`);
    const id = this.newId();
    const command = [...(spec.entrypoint ?? []), ...(spec.cmd ?? [])];
    const script = this.scripts.get(`${spec.image}|${command.join(" ")}`) ?? this.scripts.get(spec.image) ?? {};
    this.containers.set(id, {
      c: {
        id,
        name: `k8s_${spec.containerName}_${spec.podName}_${spec.podNamespace}_${spec.restartCount}`,
        role: "container",
        podUid: spec.podUid,
        podName: spec.podName,
        podNamespace: spec.podNamespace,
        containerName: spec.containerName,
        restartCount: spec.restartCount,
        state: "created",
        createdAt: this.clock.now(),
        image: spec.image,
        imageID: `sha256:${Buffer.from(spec.image).toString("hex").padEnd(64, "0").slice(0, 64)}`,
        sandboxId: spec.sandboxId,
        ...(spec.sandboxId === undefined && spec.network ? { ports: this.publish(spec.network) } : {}),
      },
      network: spec.sandboxId === undefined ? spec.network : undefined,
      script,
      onExit: [],
      log: [`env ${spec.env.join(" ")}`],
    });
    this.record("createContainer", spec.containerName, spec.podName, spec.env.join(" "));
    this.calls[this.calls.length - 1]!.binds = spec.binds;
    return id;
  }

  async startContainer(id: string): Promise<ObservedContainer | undefined> {
    this.check();
    const f = this.mustGet(id);
    this.record("startContainer", f.c.containerName, f.c.podName);
    if (f.script.startError) {
      f.c.state = "created";
      f.c.error = f.script.startError;
      throw new Error(f.script.startError);
    }
    // A container holding its own network gets the pod IP it asked for, as Docker's IPAM does.
    if (f.network) f.c.ip = this.podIP(f.network.ip);
    f.c.state = "running";
    f.c.startedAt = new Date(this.clock.now()).toISOString();
    this.emit(id, "start", f.c.podUid);
    if (f.script.exitAfterMs !== undefined) {
      f.timer = this.clock.setTimer(() => this.exit(id, f.script.exitCode ?? 0), f.script.exitAfterMs);
    }
    return { ...f.c };
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.check();
    const f = this.containers.get(id);
    if (!f) return;
    this.record("stopContainer", f.c.containerName, f.c.podName, `grace=${graceSeconds}`);
    if (f.c.state !== "running") return;
    const exited = new Promise<void>((resolve) => f.onExit.push(resolve));
    if (f.c.role === "sandbox" || !f.script.ignoreTerm || graceSeconds <= 0) {
      this.exit(id, f.script.ignoreTerm || graceSeconds <= 0 ? 137 : 143);
    } else {
      f.timer?.cancel();
      f.timer = this.clock.setTimer(() => this.exit(id, 137), graceSeconds * 1000);
    }
    await exited;
  }

  async removeContainer(id: string): Promise<void> {
    this.check();
    const f = this.containers.get(id);
    if (!f) return;
    this.record("removeContainer", f.c.containerName, f.c.podName);
    f.timer?.cancel();
    if (f.c.state === "running") this.exit(id, 137);
    this.containers.delete(id);
    this.emit(id, "destroy", f.c.podUid);
  }

  /** the image filesystem's size and use, for image GC */
  imageFs: ImageFsUsage = { capacityBytes: 100 * 2 ** 30, usedBytes: 10 * 2 ** 30 };
  /** sizes of images (bytes); default 1 GiB */
  readonly imageSizes = new Map<string, number>();

  async listImages(): Promise<RuntimeImage[]> {
    return [...this.images].map((t) => ({ id: `sha256:${Buffer.from(t).toString("hex").padEnd(64, "0").slice(0, 64)}`, tags: [t], sizeBytes: this.imageSizes.get(t) ?? 2 ** 30, createdAt: 0 }));
  }

  async removeImage(id: string): Promise<void> {
    const tag = (await this.listImages()).find((i) => i.id === id)?.tags[0];
    if (!tag) throw new Error(`No such image: ${id}`);
    if ([...this.containers.values()].some((f) => f.c.image === tag)) throw new Error(`conflict: unable to remove ${tag}: image is being used by a container`);
    this.record("removeImage", undefined, undefined, tag);
    this.images.delete(tag);
    this.imageFs = { ...this.imageFs, usedBytes: this.imageFs.usedBytes - (this.imageSizes.get(tag) ?? 2 ** 30) };
  }

  async imageFsUsage(): Promise<ImageFsUsage> {
    return this.imageFs;
  }

  async hasImage(image: string): Promise<boolean> {
    this.check();
    return this.images.has(image);
  }

  async pullImage(image: string, onProgress?: (ev: PullEvent) => void): Promise<{ sizeBytes?: number }> {
    this.check();
    this.record("pullImage", undefined, undefined, image);
    if (this.unpullable.has(image)) throw new Error(`pull access denied for ${image}, repository does not exist`);
    const size = this.imageSizes.get(image) ?? 1_000_000;
    const held = this.held.get(image);
    if (held) {
      this.held.delete(image);
      held.onProgress = onProgress;
      held.started = true;
      await held.done;
      this.images.add(image);
      return { sizeBytes: size };
    }
    onProgress?.({ id: "layer0", status: "Downloading", progressDetail: { current: size / 2, total: size } });
    onProgress?.({ id: "layer0", status: "Download complete" });
    this.images.add(image);
    return { sizeBytes: size };
  }

  /** The next pull of `image` lasts until the returned handle ends it. */
  holdPull(image: string): HeldPull {
    const h = new HeldPull();
    this.held.set(image, h);
    return h;
  }

  async exec(id: string, cmd: string[], _timeoutMs: number): Promise<ExecResult> {
    this.check();
    const f = this.mustGet(id);
    this.record("exec", f.c.containerName, f.c.podName, cmd.join(" "));
    if (f.c.state !== "running") throw new Error(`container ${id} is not running`);
    return f.script.exec ? f.script.exec(cmd, { ...f.c }) : { exitCode: 0, output: "" };
  }

  watchEvents(onEvent: (ev: RuntimeEvent) => void, _onReconnect: () => void): { stop(): void } {
    this.listeners.add(onEvent);
    return { stop: () => this.listeners.delete(onEvent) };
  }

  async version(): Promise<RuntimeVersion> {
    this.check();
    return { runtimeVersion: "fake://1.0", kernelVersion: "fake", osImage: "FakeOS" };
  }

  async logs(id: string, _opts: LogOptions, sink: OutputSink): Promise<LogStream> {
    const f = this.mustGet(id);
    for (const line of f.log) sink("stdout", Buffer.from(`${line}\n`));
    return { done: Promise.resolve(), stop: () => undefined };
  }

  async execStream(id: string, cmd: string[], _req: StreamRequest, sink: OutputSink): Promise<InteractiveStream> {
    const r = await this.exec(id, cmd, 10_000);
    sink("stdout", Buffer.from(r.output));
    return { write: () => undefined, end: () => undefined, resize: async () => undefined, done: Promise.resolve(r.exitCode), destroy: () => undefined };
  }

  async attach(id: string, _req: StreamRequest, _sink: OutputSink): Promise<InteractiveStream> {
    const f = this.mustGet(id);
    const done = new Promise<number | undefined>((resolve) => f.onExit.push(() => resolve(undefined)));
    return { write: () => undefined, end: () => undefined, resize: async () => undefined, done, destroy: () => undefined };
  }

  watchContainer(id: string, onStop: () => void): { stop(): void } {
    const f = this.containers.get(id);
    let active = true;
    f?.onExit.push(() => active && onStop());
    return { stop: () => (active = false) };
  }

  async stats(): Promise<unknown> {
    return {};
  }

  // ---- internals ----

  private exit(id: string, exitCode: number): void {
    const f = this.containers.get(id);
    if (!f || f.c.state !== "running") return;
    f.timer?.cancel();
    f.timer = undefined;
    f.c.state = "exited";
    f.c.exitCode = exitCode;
    // as Docker: a stopped container's network endpoint (its IP and ports) is released
    if (f.network) {
      delete f.c.ip;
      f.c.ports = {};
    }
    f.c.finishedAt = new Date(this.clock.now()).toISOString();
    this.record("exited", f.c.containerName, f.c.podName, `code=${exitCode}`);
    for (const w of f.onExit.splice(0)) w();
    this.emit(id, "die", f.c.podUid);
  }

  private emit(id: string, action: string, podUid: string): void {
    // The engine's events arrive asynchronously, after the call that caused them returned.
    setImmediate(() => {
      for (const l of this.listeners) l({ id, action, podUid });
    });
  }

  private record(op: string, container?: string, podName?: string, detail?: string): void {
    this.calls.push({ op, container, podName, at: this.clock.now(), detail });
  }

  private mustGet(id: string): FakeContainer {
    const f = this.containers.get(id);
    if (!f) throw new Error(`No such container: ${id}`);
    return f;
  }

  private check(): void {
    if (this.down) throw new Error(this.down);
  }

  private newId(): string {
    return randomBytes(32).toString("hex");
  }
}
