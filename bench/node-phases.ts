/**
 * Where a pod's start time goes, for bench/node.ts: one watch on the pods of a namespace and one
 * on the engine's container events, each stamped when it arrives, give per pod the moments it
 * was created, scheduled, had its sandbox and app container created and started, was reported
 * Running and was reported Ready. The same watch answers "are all N Ready?", so the bench waits
 * on events instead of polling the API server it is measuring.
 */
import type Dockerode from "dockerode";
import type { ApiClient, WatchHandle } from "../lib/client.js";
import type { Pod } from "../lib/types.js";
import { median } from "./stats.js";

/** The phases, in the order a pod goes through them. */
export const PHASES = ["created", "scheduled", "sandboxCreated", "sandboxStarted", "appCreated", "appStarted", "running", "ready"] as const;
/** One phase of a pod's start. */
export type Phase = (typeof PHASES)[number];

const ROLE = "kctl.io/role";
const POD_UID = "io.kubernetes.pod.uid";

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with the engine's timeNano). */
const nowMs = (): number => performance.timeOrigin + performance.now();

const isReady = (p: Pod): boolean => p.status?.phase === "Running" && p.status.conditions?.find((c) => c.type === "Ready")?.status === "True";

/** Pods of one namespace and their containers' events, stamped on arrival. */
export class PodPhaseTracker {
  private readonly pods = new Map<string, Pod>();
  private readonly stamps = new Map<string, Partial<Record<Phase, number>>>();
  private readonly waiters = new Set<() => void>();
  private watch: WatchHandle | undefined;
  private events: NodeJS.ReadableStream | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly docker: Dockerode,
    private readonly namespace: string,
    /** a label every container of this run carries (`key=value`) */
    private readonly containerLabel: string,
  ) {}

  /** Open both streams. */
  async start(): Promise<void> {
    const list = await this.client.list<Pod>("Pod", { namespace: this.namespace });
    for (const p of list.items) this.pods.set(p.metadata.uid ?? "", p);
    this.watch = this.client.watch<Pod>("Pod", { namespace: this.namespace, resourceVersion: list.metadata?.resourceVersion }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      const p = ev.object;
      const uid = p.metadata.uid ?? "";
      if (ev.type === "DELETED") this.pods.delete(uid);
      else {
        this.pods.set(uid, p);
        this.stamp(uid, "created");
        if (p.spec.nodeName) this.stamp(uid, "scheduled");
        if (p.status?.containerStatuses?.every((c) => c.state?.running)) this.stamp(uid, "running");
        if (isReady(p)) this.stamp(uid, "ready");
      }
      for (const w of [...this.waiters]) w();
    });
    this.events = await this.docker.getEvents({ filters: { type: ["container"], event: ["create", "start"], label: [this.containerLabel] } });
    let pending = "";
    this.events.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { Action?: string; timeNano?: number; Actor?: { Attributes?: Record<string, string> } };
        const attrs = ev.Actor?.Attributes ?? {};
        const uid = attrs[POD_UID];
        if (!uid) continue;
        const sandbox = attrs[ROLE] === "sandbox";
        const phase: Phase | undefined =
          ev.Action === "create" ? (sandbox ? "sandboxCreated" : "appCreated") : ev.Action === "start" ? (sandbox ? "sandboxStarted" : "appStarted") : undefined;
        // The engine's own time of the event: the moment it happened, not when we read it.
        if (phase) this.stamp(uid, phase, ev.timeNano ? ev.timeNano / 1e6 : nowMs());
      }
    });
  }

  /** Close both streams. */
  stop(): void {
    this.watch?.stop();
    (this.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /** The pod with this UID as last seen. */
  get(uid: string): Pod | undefined {
    return this.pods.get(uid);
  }

  /** The current pods with label app=`app` (not being deleted). */
  live(app: string): Pod[] {
    return [...this.pods.values()].filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp);
  }

  /** Resolve once `test` holds for the current pods (checked on every pod event). */
  until(test: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /**
   * Self-heal once: `kill` the pod's first container (the caller's `docker kill`), then wait until
   * the pod reports it running again with a higher restart count; ms taken.
   */
  async healAfter(pod: Pod, kill: (containerId: string) => Promise<unknown>): Promise<number> {
    const cs = pod.status!.containerStatuses![0]!;
    const uid = pod.metadata.uid ?? "";
    const t0 = performance.now();
    await kill(cs.containerID!.replace("docker://", ""));
    await this.until(() => {
      const s = this.get(uid)?.status?.containerStatuses?.[0];
      return Boolean(s && s.restartCount > cs.restartCount && s.state?.running);
    }, "running again");
    return performance.now() - t0;
  }

  /** Wait until `n` pods of `app` are Ready. */
  allReady(app: string, n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => {
      const ps = this.live(app);
      return ps.length === n && ps.every(isReady);
    }, `${n} pods of ${app} Ready`, timeoutMs);
  }

  /** Wait until no pod of `app` is left. */
  allGone(app: string): Promise<void> {
    return this.until(() => [...this.pods.values()].every((p) => p.metadata.labels?.app !== app), `pods of ${app} gone`);
  }

  /** Per phase, the median over the pods of `app` of the time since `t0` (wall-clock ms). */
  phases(app: string, t0: number): Partial<Record<Phase, number>> {
    const uids = [...this.pods.values()].filter((p) => p.metadata.labels?.app === app).map((p) => p.metadata.uid ?? "");
    const out: Partial<Record<Phase, number>> = {};
    for (const ph of PHASES) {
      const xs = uids.map((u) => this.stamps.get(u)?.[ph]).filter((x): x is number => x !== undefined);
      if (xs.length) out[ph] = median(xs.map((x) => x - t0));
    }
    return out;
  }

  /** The wall-clock time now (the bench's t0). */
  static now(): number {
    return nowMs();
  }

  private stamp(uid: string, phase: Phase, at = nowMs()): void {
    let s = this.stamps.get(uid);
    if (!s) this.stamps.set(uid, (s = {}));
    s[phase] ??= at;
  }
}

/** The median of a non-empty list. */
