/**
 * The page's state: a copy of each watched kind's cache, kept up to date by the watch worker
 * (watch-worker.ts: one list + one watch per kind, all namespaces or the token's namespace). The
 * worker posts at most one batch per frame; the page applies it, draws once, and acknowledges it
 * in the same animation frame, so any number of watch events cost one message and one render.
 */
import type { DaemonSet, Deployment, Event, KObject, Node, Pod, ReplicaSet, StatefulSet } from "../lib/types.js";
import type { Api } from "./api.js";
import { type Batch, type InformerState, KIND_NAMES, type KindMirror, type KindName, type ToPage, type ToWorker, applyBatch, emptyMirror } from "./watch-batch.js";

export type { KindName } from "./watch-batch.js";

/** One kind's cache as the page sees it, typed. */
export interface Mirror<T extends KObject> extends KindMirror {
  readonly cache: Map<string, T>;
}

/** The caches by kind, typed. */
export interface Informers {
  nodes: Mirror<Node>;
  pods: Mirror<Pod>;
  events: Mirror<Event>;
  deployments: Mirror<Deployment>;
  replicasets: Mirror<ReplicaSet>;
  statefulsets: Mirror<StatefulSet>;
  daemonsets: Mirror<DaemonSet>;
}

/** "live" only when every readable kind's watch is connected. */
export type Liveness = "syncing" | "live" | "reconnecting";

/** The worker's script, next to app.js under /ui/. */
const WORKER_URL = "watch-worker.js";

/** A worker started before the first render (its script loads meanwhile), for the first Cluster. */
let spare: Worker | undefined;

/**
 * Start the watch worker's thread now (main.tsx, before the first render), so that loading and
 * compiling its script overlaps the page's first render instead of following it. It waits idle
 * for a Cluster to hand it the token.
 */
export function prestartWorker(): void {
  spare ??= new Worker(WORKER_URL);
}

/** The caches of one login, and the per-frame redraw signal the page subscribes to. */
export class Cluster {
  readonly informers: Informers;
  /** bumped once per flushed frame: what components compare */
  version = 0;
  /** frames flushed (for the bench: how many renders the events cost) */
  flushes = 0;
  private worker: Worker | undefined;
  private frame = 0;
  /** a batch was applied since the last frame: acknowledge it once that frame is drawn */
  private unacked = false;
  private readonly listeners = new Set<() => void>();

  /** @param namespace watch only this namespace (a token limited to one) */
  constructor(
    private readonly api: Api,
    readonly namespace: string | undefined,
  ) {
    const mirrors = {} as Record<KindName, KindMirror>;
    for (const kind of KIND_NAMES) mirrors[kind] = emptyMirror();
    this.informers = mirrors as unknown as Informers;
  }

  /** Start the worker and hand it the token (by message: never in a URL). */
  start(): void {
    if (this.worker) return;
    // Marks for bench/ui.ts's first-render figures (when the watches start, when the pods arrive).
    performance.mark("kctl:worker-start");
    const w = spare ?? new Worker(WORKER_URL);
    spare = undefined;
    w.onmessage = (ev: MessageEvent<ToPage>) => this.received(ev.data);
    w.onerror = () => {
      // The worker could not load or crashed: no stale picture passes for live.
      for (const m of this.all()) if (m.state !== "forbidden") m.state = "reconnecting";
      this.redraw();
    };
    const start: ToWorker = this.namespace ? { type: "start", token: this.api.token, namespace: this.namespace } : { type: "start", token: this.api.token };
    w.postMessage(start);
    this.worker = w;
  }

  /** Stop the worker (its WebSockets close with it). */
  stop(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.worker?.terminate();
    this.worker = undefined;
    for (const m of this.all()) m.state = "stopped";
  }

  all(): KindMirror[] {
    return Object.values(this.informers) as KindMirror[];
  }

  /** Is the kind readable (its list was not refused)? */
  readable(kind: KindName): boolean {
    return this.informers[kind].state !== "forbidden";
  }

  liveness(): Liveness {
    const states: InformerState[] = this.all().map((i) => i.state);
    if (states.includes("reconnecting")) return "reconnecting";
    if (states.includes("syncing")) return "syncing";
    return "live";
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private received(m: ToPage): void {
    if (m.type === "unauthorized") {
      this.api.onUnauthorized(m.message);
      return;
    }
    this.apply(JSON.parse(m.json) as Batch);
  }

  private apply(batch: Batch): void {
    if (batch.kinds.pods?.replace && !performance.getEntriesByName("kctl:pods-listed").length) performance.mark("kctl:pods-listed");
    applyBatch(this.informers as unknown as Record<KindName, KindMirror>, batch);
    this.unacked = true;
    this.redraw();
  }

  /** Redraw in the next frame (once however many batches came), then tell the worker to go on. */
  private redraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.version++;
      this.flushes++;
      for (const fn of this.listeners) fn();
      if (this.unacked && this.worker) this.worker.postMessage({ type: "ack" } satisfies ToWorker);
      this.unacked = false;
    });
  }
}
