/**
 * The page's state: one informer per kind (one list + one watch each, all namespaces, or the
 * token's namespace), and redraws batched per animation frame: any number of watch events in a
 * frame cost one render.
 */
import type { DaemonSet, Deployment, Event, KObject, Node, Pod, ReplicaSet, StatefulSet } from "../lib/types.js";
import type { Api } from "./api.js";
import { Informer, type InformerState } from "./informer.js";

/** The kinds the view watches, with their collection path (core or apps group). */
const KINDS = {
  nodes: { group: "/api/v1", namespaced: false },
  pods: { group: "/api/v1", namespaced: true },
  events: { group: "/api/v1", namespaced: true },
  deployments: { group: "/apis/apps/v1", namespaced: true },
  replicasets: { group: "/apis/apps/v1", namespaced: true },
  statefulsets: { group: "/apis/apps/v1", namespaced: true },
  daemonsets: { group: "/apis/apps/v1", namespaced: true },
} as const;

export type KindName = keyof typeof KINDS;

/** The informers by kind, typed. */
export interface Informers {
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  events: Informer<Event>;
  deployments: Informer<Deployment>;
  replicasets: Informer<ReplicaSet>;
  statefulsets: Informer<StatefulSet>;
  daemonsets: Informer<DaemonSet>;
}

/** "live" only when every readable kind's watch is connected. */
export type Liveness = "syncing" | "live" | "reconnecting";

/** The informers of one login, and the per-frame redraw signal the page subscribes to. */
export class Cluster {
  readonly informers: Informers;
  /** bumped once per flushed frame: what components compare */
  version = 0;
  /** frames flushed (for the bench: how many renders the events cost) */
  flushes = 0;
  private frame = 0;
  private eventsPending = false;
  private readonly listeners = new Set<() => void>();

  /** @param namespace watch only this namespace (a token limited to one) */
  constructor(api: Api, readonly namespace: string | undefined) {
    const make = <T extends KObject>(kind: KindName): Informer<T> => {
      const k = KINDS[kind];
      const path = k.namespaced && namespace ? `${k.group}/namespaces/${encodeURIComponent(namespace)}/${kind}` : `${k.group}/${kind}`;
      return new Informer<T>(api, path, () => this.changed());
    };
    this.informers = {
      nodes: make<Node>("nodes"),
      pods: make<Pod>("pods"),
      events: make<Event>("events"),
      deployments: make<Deployment>("deployments"),
      replicasets: make<ReplicaSet>("replicasets"),
      statefulsets: make<StatefulSet>("statefulsets"),
      daemonsets: make<DaemonSet>("daemonsets"),
    };
  }

  /**
   * Start every informer, the events last: their list is the largest (thousands after a big
   * rollout) and nothing on the board waits for it, so it starts once the pods are listed.
   */
  start(): void {
    for (const inf of this.all()) if (inf !== this.informers.events) inf.start();
    this.eventsPending = true;
  }

  stop(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const inf of this.all()) inf.stop();
  }

  all(): Informer<KObject>[] {
    return Object.values(this.informers) as Informer<KObject>[];
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

  private changed(): void {
    if (this.eventsPending && this.informers.pods.state !== "syncing") {
      this.eventsPending = false;
      this.informers.events.start();
    }
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.version++;
      this.flushes++;
      for (const fn of this.listeners) fn();
    });
  }
}
