/**
 * The pod syncer: one level-triggered sync of one pod (keyed by UID), run by the per-pod
 * workqueue (so never two at once for a pod). It reads desired state (the pod from the
 * informer) and actual state (the container cache), asks planPod for actions, applies them
 * through the runtime, then computes the status and hands it to the status manager.
 */
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Container, Pod } from "../lib/types.js";
import { nextPullBackoff, pullKey, type BackoffConfig, type BackoffEntry } from "./backoff.js";
import type { Clock } from "../lib/clock.js";
import type { ContainerState } from "./pleg.js";
import { containerFieldPath, containerSpec } from "./container-spec.js";
import { ContainerConfigError, needsPodIP, resolveEnv, type ObjectSource } from "./env.js";
import type { Recorder } from "../lib/events.js";
import { ImageError, type ImageManager } from "./images.js";
import { needsSandbox, planPod, podGracePeriod, type PodAction } from "./pod-plan.js";
import { computePodStatus, type WaitingReason } from "./pod-status.js";
import { LifecycleHooks } from "./lifecycle-hooks.js";
import type { ProbeManager } from "./probes/manager.js";
import type { ContainerRuntime, ObservedContainer, PodNetworkSpec, PortMap } from "./runtime/types.js";
import { networkHolder, runningSandbox } from "./network-holder.js";
import type { StatusManager } from "./status-manager.js";
import type { PodWorkState } from "./pod-workers.js";
import { containerBinds, removePodDir, VolumeNotReadyError } from "./volumes.js";
import { value as quantityValue, milliValue, parseQuantity } from "../lib/quantity.js";
import { PORTS_ANNOTATION } from "../lib/well-known.js";

/** How soon a pod is synced again after the engine refused to remove one of its stale containers. */
const STALE_REMOVAL_RETRY_MS = 2_000;

/** The pod annotation recording published ports (JSON PortMap). */
export { PORTS_ANNOTATION };

/** What the syncer needs. */
export interface PodSyncerDeps {
  client: ApiClient;
  runtime: ContainerRuntime;
  /** actual state (the PLEG's cache); the syncer reports its own actions there */
  cache: ContainerState;
  images: ImageManager;
  probes: ProbeManager;
  status: StatusManager;
  recorder: Recorder;
  objects: ObjectSource;
  clock: Clock;
  logger: Logger;
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  /** where Secret volumes live (a tmpfs) */
  memoryDir: string;
  backoffConfig: BackoffConfig;
  /** the desired pod for a UID (informer), or undefined once deleted */
  podFor(uid: string): Pod | undefined;
  /** the last version of a deleted pod (for its grace period) */
  lastKnown(uid: string): Pod | undefined;
  /** sync this pod again after `ms` */
  requeueAfter(uid: string, ms: number): void;
  /** report a step of the pod's termination to its worker lane */
  setWorkState?(uid: string, state: PodWorkState): void;
  /** labels added to every container (tests name their run with one) */
  extraLabels?: Record<string, string>;
  /** run pods that need no sandbox without one (pod-plan.ts needsSandbox) */
  withoutSandbox?: boolean;
}

/** Where a new user container's network comes from: the sandbox it joins, or its own. */
type Joins = { sandboxId: string; podIP: string } | { network: PodNetworkSpec };

type StartAction = Extract<PodAction, { type: "startContainer" }>;

/** How often, at most, a pull's progress is written to the pod status. */
const PULL_STATUS_EVERY_MS = 1000;


/** Syncs pods. Holds the back-off records and waiting reasons. */
export class PodSyncer {
  readonly backoff = new Map<string, BackoffEntry>();
  private readonly waiting = new Map<string, Map<string, WaitingReason>>();
  private readonly hooks: LifecycleHooks;

  constructor(private readonly d: PodSyncerDeps) {
    this.hooks = new LifecycleHooks(d);
  }

  /** One sync of the pod with this UID. */
  async sync(uid: string): Promise<void> {
    const informerPod = this.d.podFor(uid);
    if (!informerPod) {
      await this.cleanupOrphan(uid);
      return;
    }
    let pod = this.d.status.latest(informerPod);
    const log = this.d.logger.child({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
    const actions = planPod({
      pod,
      observed: this.d.cache.forPod(uid),
      now: this.d.clock.now(),
      backoff: this.backoff,
      unhealthy: this.d.probes.unhealthy(),
      config: this.d.backoffConfig,
      withoutSandbox: this.d.withoutSandbox,
    });
    if (actions.length) log.debug({ actions: actions.map((a) => a.type) }, "sync");
    const deleted = await this.apply(pod, actions, log);
    if (deleted) return;

    // The apply may have written the pod (published ports): build on what it wrote.
    pod = this.d.status.latest(pod);
    const observed = this.d.cache.forPod(uid);
    this.d.probes.sync(pod, observed);
    const holder = networkHolder(observed);
    if (holder) pod = (await this.ensurePortsAnnotation(pod, holder.ports ?? {})) ?? pod;
    await this.writeStatus(uid, pod);
  }

  /** Write the pod's status as computed from what is observed and waited on now. */
  private async writeStatus(uid: string, pod: Pod): Promise<void> {
    const compute = (p: Pod): ReturnType<typeof computePodStatus> =>
      computePodStatus({
        pod: p,
        observed: this.d.cache.forPod(uid),
        waiting: this.waiting.get(uid) ?? new Map(),
        probes: this.d.probes,
        hostIP: this.d.nodeIP,
        now: new Date(this.d.clock.now()).toISOString(),
      });
    await this.d.status.write(pod, compute(pod), compute);
  }

  /**
   * While a container's image is pulled, its waiting message follows the pull (`Pulling image
   * "X" (45 MB / 120 MB)`) and the status is written mid-sync, at most once per
   * PULL_STATUS_EVERY_MS and never in a pull's first PULL_STATUS_EVERY_MS: a pull over by then
   * (an image that is up to date under `Always`, a small one from a near registry) costs no write
   * at all, a long one a write a second, not one per layer event (events stay two: Pulling and
   * Pulled, as in Kubernetes). `stop` at the pull's end drops a write still pending, since the
   * sync's own status write follows, and the pull's message: a container that still cannot start
   * (its sandbox fails) must say why, not show the last bytes for good.
   */
  private pullProgress(pod: Pod, name: string, waiting: Map<string, WaitingReason>, log: Logger): { report(message: string): void; stop(): void } {
    const uid = pod.metadata.uid ?? "";
    let lastWrite = this.d.clock.now();
    let timer: { cancel(): void } | undefined;
    let stopped = false;
    let shown: WaitingReason | undefined;
    const write = (): void => {
      lastWrite = this.d.clock.now();
      const current = this.d.podFor(uid);
      if (current) void this.writeStatus(uid, this.d.status.latest(current)).catch((e: unknown) => log.debug({ err: (e as Error).message }, "pull progress status not written"));
    };
    return {
      report: (message) => {
        if (stopped) return;
        shown = { reason: "ContainerCreating", message };
        waiting.set(name, shown);
        const wait = lastWrite + PULL_STATUS_EVERY_MS - this.d.clock.now();
        if (wait <= 0) write();
        else
          timer ??= this.d.clock.setTimer(() => {
            timer = undefined;
            if (!stopped) write();
          }, wait);
      },
      stop: () => {
        stopped = true;
        timer?.cancel();
        timer = undefined;
        if (shown && waiting.get(name) === shown) waiting.delete(name);
      },
    };
  }

  /** Containers of a pod that no longer exists here: stop and remove them, forget the pod. */
  private async cleanupOrphan(uid: string): Promise<void> {
    const observed = this.d.cache.forPod(uid);
    if (observed.length) {
      const last = this.d.lastKnown(uid);
      const grace = last ? Math.min(podGracePeriod(last), 30) : 2;
      this.d.logger.info({ podUid: uid, containers: observed.length }, "removing containers of a pod not bound here");
      this.d.setWorkState?.(uid, "terminating");
      await this.killAll(last, observed, grace);
      this.d.setWorkState?.(uid, "terminated");
    }
    this.forget(uid);
  }

  private forget(uid: string): void {
    this.waiting.delete(uid);
    for (const k of [...this.backoff.keys()]) if (k.startsWith(`${uid}/`)) this.backoff.delete(k);
    this.d.probes.removePod(uid);
    this.d.status.forget(uid);
    void removePodDir({ dataDir: this.d.dataDir, memoryDir: this.d.memoryDir }, uid).catch(() => undefined);
  }

  private waitingFor(uid: string): Map<string, WaitingReason> {
    let m = this.waiting.get(uid);
    if (!m) this.waiting.set(uid, (m = new Map()));
    return m;
  }

  /** Apply the plan; returns true when the pod was torn down (and deleted). */
  private async apply(pod: Pod, actions: PodAction[], log: Logger): Promise<boolean> {
    const uid = pod.metadata.uid ?? "";
    const waiting = this.waitingFor(uid);
    const planned = new Set(actions.filter((a) => a.type === "waiting").map((a) => (a as { container: string }).container));
    // Reasons from the plan are recomputed every sync; start failures persist until a start works.
    for (const [name, w] of waiting) if ((w.reason === "CrashLoopBackOff" || w.reason === "ImagePullBackOff") && !planned.has(name)) waiting.delete(name);

    const kills: Promise<void>[] = [];
    for (const a of actions) {
      switch (a.type) {
        case "killPod": {
          // As Kubernetes' kubelet does, the API object goes as soon as the containers have
          // stopped; removing them is cleanup that no longer holds the deletion up.
          this.d.setWorkState?.(uid, "terminating");
          const observed = this.d.cache.forPod(uid);
          await this.stopAll(pod, observed, a.gracePeriodSeconds);
          this.d.setWorkState?.(uid, "terminated");
          if (a.deletePod) {
            try {
              await this.d.client.delete("Pod", pod.metadata.name ?? "", {
                namespace: pod.metadata.namespace,
                gracePeriodSeconds: 0,
                preconditions: { uid },
              });
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
            log.info("pod terminated and deleted");
          }
          await this.removeAll(observed);
          if (a.deletePod) this.forget(uid);
          return true;
        }
        case "setBackoff":
          this.backoff.set(a.key, a.entry);
          break;
        case "waiting":
          waiting.set(a.container, { reason: a.reason, message: a.message });
          if (a.reason === "CrashLoopBackOff") {
            this.d.recorder.event(pod, "Warning", "BackOff", `Back-off restarting failed container ${a.container} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${uid})`, containerFieldPath(pod, a.container));
          } else if (a.reason === "ImagePullBackOff") {
            const image = containerSpec(pod, a.container)?.image ?? "";
            // Kubernetes' pair: the image manager's BackOff, then startContainer's "Error: <reason>".
            this.d.recorder.event(pod, "Normal", "BackOff", `Back-off pulling image "${image}"`, containerFieldPath(pod, a.container));
            this.d.recorder.event(pod, "Warning", "Failed", "Error: ImagePullBackOff", containerFieldPath(pod, a.container));
          }
          break;
        case "requeueAfter":
          this.d.requeueAfter(uid, a.ms);
          break;
        case "killContainer":
          kills.push(this.killContainer(pod, a.id, a.container, a.gracePeriodSeconds, a.reason, a.message));
          break;
        case "removeContainer":
          // Removing a stale instance is cleanup, never a prerequisite: an engine that refuses for
          // a while (right after its own restart, overlay2 can fail to unmount) must not stop the
          // pod from being synced, probed and reported. Try again shortly.
          kills.push(
            this.remove(a.id).catch((err: unknown) => {
              log.warn({ err, container: a.container, id: a.id }, "could not remove a stale container; will retry");
              this.d.requeueAfter(uid, STALE_REMOVAL_RETRY_MS);
            }),
          );
          break;
        default:
          break;
      }
    }
    await Promise.all(kills);

    const starts = actions.filter((a): a is StartAction => a.type === "startContainer");
    const create = actions.find((a) => a.type === "createSandbox");
    if (create && create.type === "createSandbox") {
      await this.startPod(pod, create.attempt, starts, waiting, log);
      return false;
    }
    const sandbox = runningSandbox(this.d.cache.forPod(uid));
    if (starts.length && sandbox) {
      await Promise.all(
        starts.map(async (s) => {
          const id = await this.createUserContainer(pod, s, { sandboxId: sandbox.id, podIP: sandbox.ip ?? "" }, waiting, log);
          if (id) await this.startUserContainer(pod, s.container, id, waiting, log);
        }),
      );
    } else if (starts.length === 1 && this.d.withoutSandbox && !needsSandbox(pod)) {
      // The plan starts the one container of a pod without a sandbox (it asks for no sandbox).
      await this.startWithoutSandbox(pod, starts[0]!, waiting, log);
    }
    return false;
  }

  /**
   * The only container of a pod run without a sandbox: it holds the pod's network itself. A
   * restart asks for what the pod had (its IP, and the host ports the engine chose before), so
   * the pod keeps its address as it would in a sandbox; if the engine cannot give them (another
   * container took the address while this one was down), the container is made again without
   * them and the pod's status and ports annotation follow the new ones.
   */
  private async startWithoutSandbox(pod: Pod, s: StartAction, waiting: Map<string, WaitingReason>, log: Logger): Promise<void> {
    const previous = previousNetwork(pod);
    if (previous.ip || previous.hostPorts.size) {
      let id: string | undefined;
      try {
        id = await this.createUserContainer(pod, s, { network: podNetworkSpec(pod, this.d.nodeIP, previous) }, waiting, log, { rethrow: true });
        if (id) await this.startUserContainer(pod, s.container, id, waiting, log, { rethrow: true });
        return;
      } catch (e) {
        log.info({ container: s.container, ip: previous.ip, err: (e as Error).message }, "the pod's previous address is not available; starting with a new one");
        if (id) await this.remove(id).catch(() => undefined);
      }
    }
    const again = await this.createUserContainer(pod, s, { network: podNetworkSpec(pod, this.d.nodeIP) }, waiting, log);
    if (again) await this.startUserContainer(pod, s.container, again, waiting, log);
  }

  /**
   * A new sandbox and the containers to start in it, pipelined so that the engine's slow steps
   * overlap: the containers are created while the sandbox starts (a container may be created
   * against a sandbox that is not running yet; only its start needs the sandbox's namespaces),
   * and the sandbox is inspected (IP, published ports) and its ports recorded on the pod while
   * the containers start. A container whose environment reads the pod IP is created only once
   * the sandbox has one.
   */
  private async startPod(pod: Pod, attempt: number, starts: readonly StartAction[], waiting: Map<string, WaitingReason>, log: Logger): Promise<void> {
    const sandboxId = await this.createSandbox(pod, attempt, waiting);
    if (!sandboxId) return;
    const specOf = (s: StartAction): Container | undefined => containerSpec(pod, s.container);
    const early = starts.filter((s) => {
      const spec = specOf(s);
      return spec && !needsPodIP(spec);
    });
    const late = starts.filter((s) => !early.includes(s));
    const sandboxStarted = this.d.cache.ownStart(sandboxId, () => this.d.runtime.startSandbox(sandboxId)).then(
      () => true,
      (e: unknown) => {
        this.sandboxFailed(pod, (e as Error).message, waiting);
        return false;
      },
    );
    const created = await Promise.all(early.map((s) => this.createUserContainer(pod, s, { sandboxId, podIP: "" }, waiting, log)));
    if (!(await sandboxStarted)) {
      // The engine removed the sandbox; what was created to join it can never start.
      await Promise.all(created.map((id) => (id ? this.d.runtime.removeContainer(id).catch(() => undefined) : undefined)));
      return;
    }
    const inspected = this.d.runtime.inspect(sandboxId).then(async (sb) => {
      if (!sb) return undefined;
      this.d.cache.observed(sb);
      await this.ensurePortsAnnotation(this.d.status.latest(pod), sb.ports ?? {});
      return sb;
    });
    await Promise.all([
      ...early.map((s, i) => (created[i] ? this.startUserContainer(pod, s.container, created[i], waiting, log) : undefined)),
      ...late.map(async (s) => {
        const sb = await inspected;
        const id = sb ? await this.createUserContainer(pod, s, { sandboxId: sb.id, podIP: sb.ip ?? "" }, waiting, log) : undefined;
        if (id) await this.startUserContainer(pod, s.container, id, waiting, log);
      }),
      inspected,
    ]);
  }

  private async remove(id: string): Promise<void> {
    await this.d.runtime.removeContainer(id);
    this.d.cache.removed(id);
  }

  private async killContainer(pod: Pod, id: string, name: string, grace: number, reason: string, message: string): Promise<void> {
    if (name !== "POD") {
      this.d.recorder.event(pod, "Normal", "Killing", reason === "Unhealthy" || reason === "DefinitionChanged" ? message : `Stopping container ${name}`, containerFieldPath(pod, name));
    }
    await this.d.runtime.stopContainer(id, grace);
    await this.d.cache.refresh(id);
  }

  /** preStop hooks, then SIGTERM/SIGKILL of every user container, then the sandbox; remove all. */
  private async killAll(pod: Pod | undefined, observed: readonly ObservedContainer[], graceSeconds: number): Promise<void> {
    await this.stopAll(pod, observed, graceSeconds);
    await this.removeAll(observed);
  }

  /**
   * preStop hooks, then SIGTERM and, once the grace period (hooks included) is over, SIGKILL of
   * every running user container at once. The sandbox is left to {@link removeAll}.
   */
  private async stopAll(pod: Pod | undefined, observed: readonly ObservedContainer[], graceSeconds: number): Promise<void> {
    const started = this.d.clock.now();
    const running = observed.filter((c) => c.role === "container" && c.state === "running");
    const holder = networkHolder(observed);
    await Promise.all(
      running.map(async (c) => {
        const spec = pod ? containerSpec(pod, c.containerName) : undefined;
        if (pod && spec?.lifecycle?.preStop) await this.hooks.preStop(pod, spec, c, holder?.ip ?? "", graceSeconds);
        // Whole seconds spent in the hook come off the grace, as the kubelet's int64 arithmetic
        // does; rounding the remainder down instead would turn 2 s into 1 s after a 1 ms hook.
        const left = Math.max(0, graceSeconds - Math.floor((this.d.clock.now() - started) / 1000));
        if (pod) this.d.recorder.event(pod, "Normal", "Killing", `Stopping container ${c.containerName}`, containerFieldPath(pod, c.containerName));
        await this.d.runtime.stopContainer(c.id, left);
      }),
    );
    this.d.logger.debug({ podUid: observed[0]?.podUid, stopMs: this.d.clock.now() - started }, "pod containers stopped");
  }

  /** Remove every container of the pod (they are stopped; a running sandbox is force-removed). */
  private async removeAll(observed: readonly ObservedContainer[]): Promise<void> {
    const started = this.d.clock.now();
    await Promise.all(observed.map((c) => this.remove(c.id)));
    this.d.logger.debug({ podUid: observed[0]?.podUid, removeMs: this.d.clock.now() - started }, "pod containers removed");
  }

  /** Create (not start) a sandbox for the pod; undefined when the engine refused. */
  private async createSandbox(pod: Pod, attempt: number, waiting: Map<string, WaitingReason>): Promise<string | undefined> {
    try {
      return await this.d.runtime.createSandbox({
        podUid: pod.metadata.uid ?? "",
        podName: pod.metadata.name ?? "",
        podNamespace: pod.metadata.namespace ?? "default",
        attempt,
        ...podNetworkSpec(pod, this.d.nodeIP),
        extraLabels: this.d.extraLabels,
      });
    } catch (e) {
      this.sandboxFailed(pod, (e as Error).message, waiting);
      return undefined;
    }
  }

  private sandboxFailed(pod: Pod, message: string, waiting: Map<string, WaitingReason>): void {
    this.d.recorder.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${message}`);
    for (const c of pod.spec.containers) if (!waiting.has(c.name)) waiting.set(c.name, { reason: "ContainerCreating", message });
    this.d.requeueAfter(pod.metadata.uid ?? "", this.d.backoffConfig.baseMs);
  }

  /** Make the image present, resolve env and mounts, create the container; undefined on failure (recorded). */
  private async createUserContainer(pod: Pod, s: StartAction, joins: Joins, waiting: Map<string, WaitingReason>, log: Logger, opts: { rethrow?: boolean } = {}): Promise<string | undefined> {
    const name = s.container;
    const spec = containerSpec(pod, name);
    if (!spec) return undefined;
    const uid = pod.metadata.uid ?? "";
    try {
      const progress = this.pullProgress(pod, name, waiting, log);
      try {
        await this.d.images.ensure(pod, spec, progress.report);
      } finally {
        progress.stop();
      }
      this.backoff.delete(pullKey(uid, name));
      const facts = { podIP: "podIP" in joins ? joins.podIP : "", hostIP: this.d.nodeIP, nodeName: this.d.nodeName };
      const [env, binds] = await Promise.all([
        resolveEnv(pod, spec, facts, this.d.objects),
        containerBinds(pod, spec, { dataDir: this.d.dataDir, memoryDir: this.d.memoryDir }, this.d.objects),
      ]);
      const limits = spec.resources?.limits ?? {};
      const id = await this.d.runtime.createContainer({
        podUid: uid,
        podName: pod.metadata.name ?? "",
        podNamespace: pod.metadata.namespace ?? "default",
        containerName: name,
        restartCount: s.restartCount,
        ...("sandboxId" in joins ? { sandboxId: joins.sandboxId } : { network: joins.network }),
        image: spec.image,
        ...(spec.command ? { entrypoint: spec.command, cmd: spec.args ?? [] } : spec.args ? { cmd: spec.args } : {}),
        env,
        workingDir: spec.workingDir,
        binds,
        ...(limits.memory ? { memoryBytes: quantityValue(parseQuantity(limits.memory)) } : {}),
        ...(limits.cpu ? { nanoCpus: milliValue(parseQuantity(limits.cpu)) * 1_000_000 } : {}),
        tty: spec.tty,
        stdin: spec.stdin,
        extraLabels: this.d.extraLabels,
      });
      this.d.recorder.event(pod, "Normal", "Created", `Created container ${name}`, containerFieldPath(pod, name));
      return id;
    } catch (e) {
      // `rethrow`: the engine's refusal goes back to a caller with another way to try; what
      // another way cannot fix (the image, volumes, env) is recorded here as always.
      if (opts.rethrow && !(e instanceof ImageError || e instanceof VolumeNotReadyError || e instanceof ContainerConfigError)) throw e;
      await this.startFailed(pod, spec, e, undefined, waiting, log);
      return undefined;
    }
  }

  /**
   * Start a created container and cache what the engine reports. A failed start is recorded (the
   * plan retries it), or thrown back to the caller with `rethrow`, who has another way to try.
   */
  private async startUserContainer(pod: Pod, name: string, id: string, waiting: Map<string, WaitingReason>, log: Logger, opts: { rethrow?: boolean } = {}): Promise<void> {
    const spec = containerSpec(pod, name);
    if (!spec) return;
    let running = false;
    try {
      const started = await this.d.cache.ownStart(id, () => this.d.runtime.startContainer(id));
      running = true;
      if (started) this.d.cache.observed(started);
      waiting.delete(name);
      this.d.recorder.event(pod, "Normal", "Started", `Started container ${name}`, containerFieldPath(pod, name));
      if (started) await this.hooks.postStart(pod, spec, started);
    } catch (e) {
      if (opts.rethrow && !running) throw e;
      await this.startFailed(pod, spec, e, id, waiting, log);
    }
  }

  /** Record why a container could not be created (`id` undefined) or started, and when to retry. */
  private async startFailed(pod: Pod, spec: Container, e: unknown, id: string | undefined, waiting: Map<string, WaitingReason>, log: Logger): Promise<void> {
    const uid = pod.metadata.uid ?? "";
    const name = spec.name;
    const fp = containerFieldPath(pod, name);
    const message = (e as Error).message ?? String(e);
    if (e instanceof ImageError) {
      const entry = nextPullBackoff(this.backoff.get(pullKey(uid, name)), this.d.clock.now(), message, this.d.backoffConfig, e.reason);
      this.backoff.set(pullKey(uid, name), entry);
      waiting.set(name, { reason: e.reason, message });
      this.d.requeueAfter(uid, entry.delayMs);
      return;
    }
    if (e instanceof VolumeNotReadyError) {
      // Kubernetes' kubelet waits for the pod's volumes before creating any container.
      waiting.set(name, { reason: "ContainerCreating", message });
      this.d.recorder.event(pod, "Warning", "FailedMount", message);
      this.d.requeueAfter(uid, Math.max(1000, this.d.backoffConfig.baseMs));
      return;
    }
    if (e instanceof ContainerConfigError) {
      waiting.set(name, { reason: "CreateContainerConfigError", message });
      this.d.recorder.event(pod, "Warning", "Failed", `Error: ${message}`, fp);
      this.d.requeueAfter(uid, Math.max(1000, this.d.backoffConfig.baseMs));
      return;
    }
    if (/No such image/i.test(message)) this.d.images.forget(spec.image);
    log.warn({ container: name, err: message }, "container start failed");
    waiting.set(name, { reason: id ? "RunContainerError" : "CreateContainerError", message });
    this.d.recorder.event(pod, "Warning", "Failed", `Error: ${message}`, fp);
    if (id) {
      const c = await this.d.runtime.inspect(id).catch(() => undefined);
      if (c) this.d.cache.observed(c);
    }
    this.d.requeueAfter(uid, Math.max(500, this.d.backoffConfig.baseMs));
  }

  /** Record the published ports on the pod (`kctl.io/ports`) when they differ. */
  private async ensurePortsAnnotation(pod: Pod, ports: PortMap): Promise<Pod | undefined> {
    if (Object.keys(ports).length === 0) return undefined;
    const want = JSON.stringify(ports);
    if (pod.metadata.annotations?.[PORTS_ANNOTATION] === want) return undefined;
    try {
      const updated = await this.d.client.patch<Pod>("Pod", pod.metadata.name ?? "", { metadata: { annotations: { [PORTS_ANNOTATION]: want } } }, { namespace: pod.metadata.namespace });
      this.d.status.remember(updated);
      return updated;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      this.d.logger.warn({ err: (e as Error).message }, "could not record published ports");
      return undefined;
    }
  }
}

/**
 * The network a pod's holder gets (its sandbox, or its only container): hostname, every
 * container port to publish on the node IP, and what `previous` asks to keep.
 */
function podNetworkSpec(pod: Pod, nodeIP: string, previous?: PreviousNetwork): PodNetworkSpec {
  const ports = pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((p) => {
      const protocol = p.protocol ?? "TCP";
      const hostPort = p.hostPort ?? previous?.hostPorts.get(`${p.containerPort}/${protocol}`);
      return { containerPort: p.containerPort, protocol, ...(hostPort ? { hostPort } : {}), ...(p.hostIP ? { hostIP: p.hostIP } : {}) };
    }),
  );
  return { hostname: pod.spec.hostname ?? pod.metadata.name ?? "pod", ports, bindIP: nodeIP, ...(previous?.ip ? { ip: previous.ip } : {}) };
}

/** What a pod's network had before: its IP and the host ports the engine chose (`kctl.io/ports`). */
interface PreviousNetwork {
  ip?: string;
  hostPorts: Map<string, number>;
}

/** The pod's address and engine-chosen host ports as last recorded, for a restart to ask for again. */
function previousNetwork(pod: Pod): PreviousNetwork {
  const hostPorts = new Map<string, number>();
  try {
    const recorded = JSON.parse(pod.metadata.annotations?.[PORTS_ANNOTATION] ?? "{}") as PortMap;
    for (const [key, v] of Object.entries(recorded)) if (Number.isInteger(v?.hostPort) && v.hostPort > 0) hostPorts.set(key, v.hostPort);
  } catch {
    // an annotation someone else wrote badly: the engine chooses again
  }
  const ip = pod.status?.podIP;
  return { ...(ip ? { ip } : {}), hostPorts };
}
