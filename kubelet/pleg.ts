/**
 * The PLEG (pod lifecycle event generator, after Kubernetes'): the one owner of the kubelet's
 * picture of actual state, the container cache. Two sources feed it: the engine's event stream
 * (each event's container is inspected, its pod synced at once; the start event of a container
 * the kubelet is starting itself is not, as it inspects it when the start returns) and a periodic relist, the safety
 * net that also runs whenever the event stream reconnects (an engine restart). The kubelet's own
 * actions are reported here too (`observed`, `removed`, `refresh`), so a sync sees what it just
 * did without waiting for the engine's event. Nothing else writes the cache.
 */
import type { Clock, Timer } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { ContainerCache } from "./container-cache.js";
import type { ContainerRuntime, ObservedContainer } from "./runtime/types.js";

/** What a pod sync reads from the PLEG, and how it reports its own actions. */
export interface ContainerState {
  forPod(uid: string): ObservedContainer[];
  /** the kubelet created/started/inspected this container */
  observed(c: ObservedContainer): void;
  /** the kubelet removed this container */
  removed(id: string): void;
  /** inspect one container again (after a stop), unless an event got there first */
  refresh(id: string): Promise<void>;
  /**
   * Run the kubelet's own start of container `id`, which it inspects and reports (observed):
   * meanwhile the engine's start event for it is not inspected again (up to two engine calls a pod;
   * measured 5.3-5.8 -> 4.2-4.3 inspects a pod, as the event sometimes comes after the start returns).
   */
  ownStart<T>(id: string, start: () => Promise<T>): Promise<T>;
}

/** Options of {@link Pleg}. */
export interface PlegOptions {
  runtime: ContainerRuntime;
  logger: Logger;
  clock: Clock;
  /** seconds between relists; default 10 */
  relistSeconds?: number;
  /** a pod's containers changed: sync it */
  onPodChanged(uid: string): void;
  /** a relist finished with the engine answering: every pod may be resynced */
  onRelist?(): void;
}

/** The container cache and what keeps it current. */
export class Pleg implements ContainerState {
  private readonly cache = new ContainerCache();
  private up = true;
  private stopped = false;
  private timer?: Timer;
  private events?: { stop(): void };
  /** containers the kubelet is starting itself (see ownStart) */
  private readonly ownStarts = new Set<string>();

  constructor(private readonly o: PlegOptions) {}

  /** The first full list (adoption: what runs now is kept). Rejects when the engine does not answer. */
  async list(): Promise<void> {
    this.cache.replaceAll(await this.o.runtime.listContainers(), this.cache.seq());
  }

  /** Follow the engine's events and relist every `relistSeconds`. */
  start(): void {
    this.events = this.o.runtime.watchEvents(
      (ev) => this.onEvent(ev.id, ev.action, ev.podUid),
      () => void this.relist(),
    );
    const loop = (): void => {
      if (this.stopped) return;
      void this.relist().finally(() => {
        if (!this.stopped) this.timer = this.o.clock.setTimer(loop, (this.o.relistSeconds ?? 10) * 1000);
      });
    };
    this.timer = this.o.clock.setTimer(loop, (this.o.relistSeconds ?? 10) * 1000);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.events?.stop();
  }

  /** Did the engine answer the last relist? */
  runtimeUp(): boolean {
    return this.up;
  }

  forPod(uid: string): ObservedContainer[] {
    return this.cache.forPod(uid);
  }

  podUids(): Set<string> {
    return this.cache.podUids();
  }

  all(): ObservedContainer[] {
    return this.cache.all();
  }

  /**
   * This node's containers, fresh from the engine, re-inspecting only those whose state changed
   * since the cache saw them (the kubelet server's lookups).
   */
  listFresh(): Promise<ObservedContainer[]> {
    return this.o.runtime.listContainers((id, state) => {
      const c = this.cache.get(id);
      return c && c.state === state ? c : undefined;
    });
  }

  observed(c: ObservedContainer): void {
    this.cache.set(c);
  }

  removed(id: string): void {
    this.cache.delete(id);
  }

  async refresh(id: string): Promise<void> {
    const seq = this.cache.seq();
    const c = await this.o.runtime.inspect(id);
    if (c) this.cache.setIfUnchanged(c, seq);
    else this.cache.deleteIfUnchanged(id, seq);
  }

  async ownStart<T>(id: string, start: () => Promise<T>): Promise<T> {
    this.ownStarts.add(id);
    try {
      return await start();
    } finally {
      this.ownStarts.delete(id);
    }
  }

  private onEvent(id: string, action: string, podUid?: string): void {
    const seq = this.cache.seq();
    if (action === "start" && this.ownStarts.has(id)) {
      // The kubelet's own start: it inspects the container itself when the start returns.
      const uid = podUid ?? this.cache.get(id)?.podUid;
      if (uid) this.o.onPodChanged(uid);
      return;
    }
    if (action === "destroy") {
      const known = this.cache.get(id);
      this.cache.deleteIfUnchanged(id, seq);
      const uid = podUid ?? known?.podUid;
      if (uid) this.o.onPodChanged(uid);
      return;
    }
    void this.o.runtime
      .inspect(id)
      .then((c) => {
        if (c) this.cache.setIfUnchanged(c, seq);
        else this.cache.deleteIfUnchanged(id, seq);
        const uid = c?.podUid ?? podUid;
        if (uid) this.o.onPodChanged(uid);
      })
      .catch((err: unknown) => this.o.logger.debug({ err, id }, "inspect after event failed"));
  }

  /** One relist: replace the cache with the engine's list; sync the pods whose containers changed. */
  async relist(): Promise<void> {
    const seq = this.cache.seq();
    try {
      const list = await this.listFresh();
      const changed = this.cache.replaceAll(list, seq);
      if (!this.up) this.o.logger.info("container runtime is back");
      this.up = true;
      for (const uid of changed) this.o.onPodChanged(uid);
    } catch (err) {
      if (this.up) this.o.logger.warn({ err: (err as Error).message }, "container runtime is not answering");
      this.up = false;
      return;
    }
    for (const uid of this.cache.podUids()) this.o.onPodChanged(uid);
    this.o.onRelist?.();
  }
}
