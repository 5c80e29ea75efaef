/**
 * Pure derivations of what the page shows from the informers' caches and the filters: pods by
 * node column (plus the unscheduled lane), workloads with their ReplicaSets, recent events.
 * Recomputed once per flushed frame.
 */
import { REVISION_ANNOTATION } from "../lib/deployment-revisions.js";
import { parseSelector, type Selector } from "../lib/selector.js";
import type { DaemonSet, Deployment, Event, KObject, Node, Pod, ReplicaSet, StatefulSet } from "../lib/types.js";
import type { Cluster } from "./cluster.js";
import { podTone } from "./format.js";

/** The event pane shows the newest this many. */
const EVENTS_SHOWN = 60;

export interface Filters {
  /** "" = all namespaces */
  namespace: string;
  /** a label selector as kubectl -l takes it */
  labels: string;
}

export interface NodeColumn {
  name: string;
  /** absent when the token may not read nodes (a column from the pods' nodeName) */
  node?: Node;
  pods: Pod[];
}

export interface WorkloadRow {
  kind: "Deployment" | "StatefulSet" | "DaemonSet";
  resource: "deployments" | "statefulsets" | "daemonsets";
  obj: Deployment | StatefulSet | DaemonSet;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Deployments: the ReplicaSet of the current template, and the others with pods */
  newRs?: ReplicaSet;
  oldRs: ReplicaSet[];
  /** Deployments: every ReplicaSet it owns (the revisions `rollout undo` chooses from) */
  replicaSets?: ReplicaSet[];
  events: Event[];
}

export interface View {
  columns: NodeColumn[];
  unscheduled: Pod[];
  workloads: WorkloadRow[];
  events: Event[];
  namespaces: string[];
  /** the label filter does not parse: its message */
  selectorError?: string;
  podCount: number;
  /** of those, the Ready ones (the board's data-ready: what tests and the bench wait for) */
  readyCount: number;
  /** the token may read no pods here (a namespaced token asked for all namespaces) */
  podsForbidden: boolean;
}

const byName = (a: KObject, b: KObject): number => {
  const x = a.metadata.name ?? "";
  const y = b.metadata.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

/** An event's time (ms), parsed once per event object: thousands are sorted again each frame of a scale. */
const eventTimes = new WeakMap<Event, number>();
function eventTime(e: Event): number {
  let t = eventTimes.get(e);
  if (t === undefined) eventTimes.set(e, (t = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? "") || 0));
  return t;
}

/** Events newest first, sorted again only when the events informer changed (thousands during a scale). */
let sortedEvents: { revision: number; list: Event[] } = { revision: -1, list: [] };
function eventsNewestFirst(c: Cluster): Event[] {
  const inf = c.informers.events;
  if (sortedEvents.revision !== inf.revision) {
    const timed = [...inf.cache.values()].map((e) => ({ e, t: eventTime(e) }));
    timed.sort((a, b) => b.t - a.t);
    sortedEvents = { revision: inf.revision, list: timed.map((x) => x.e) };
  }
  return sortedEvents.list;
}

/**
 * Each column's pods as last drawn: in the informer's order (a Map's, stable across updates) and
 * sorted by name. A column whose pods are the same objects as last frame keeps its sorted array,
 * unsorted again and identical for the board's shouldComponentUpdate: during a scale most frames
 * change a few columns of 100.
 */
let lastColumns = new Map<string, { raw: Pod[]; sorted: Pod[] }>();
function sortedColumn(name: string, raw: Pod[], next: Map<string, { raw: Pod[]; sorted: Pod[] }>): Pod[] {
  const last = lastColumns.get(name);
  const kept = last && last.raw.length === raw.length && last.raw.every((p, i) => p === raw[i]) ? last : { raw, sorted: [...raw].sort(byName) };
  next.set(name, kept);
  return kept.sorted;
}

/** The filters as a predicate on objects. */
function matcher(f: Filters): { match: (o: KObject) => boolean; error?: string } {
  let sel: Selector | undefined;
  let error: string | undefined;
  if (f.labels.trim()) {
    try {
      sel = parseSelector(f.labels.trim());
    } catch (e) {
      error = (e as Error).message;
    }
  }
  return { match: (o) => (!f.namespace || o.metadata.namespace === f.namespace) && (!sel || sel.matches(o.metadata.labels)), error };
}

/** Everything the page shows, from the caches and the filters. */
export function deriveView(c: Cluster, f: Filters): View {
  const { match, error } = matcher(f);
  const inf = c.informers;
  const namespaces = new Set<string>();
  const columns = new Map<string, NodeColumn>();
  for (const n of [...inf.nodes.cache.values()].sort(byName)) columns.set(n.metadata.name!, { name: n.metadata.name!, node: n, pods: [] });
  const unscheduled: Pod[] = [];
  let podCount = 0;
  let readyCount = 0;
  for (const p of inf.pods.cache.values()) {
    if (p.metadata.namespace) namespaces.add(p.metadata.namespace);
    if (!match(p)) continue;
    podCount++;
    if (podTone(p) === "ready") readyCount++;
    const nodeName = p.spec?.nodeName;
    if (!nodeName) {
      unscheduled.push(p);
      continue;
    }
    let col = columns.get(nodeName);
    if (!col) columns.set(nodeName, (col = { name: nodeName, pods: [] }));
    col.pods.push(p);
  }
  // Only this frame's columns are kept: a deleted node's (or a filtered-out one's) is let go.
  const drawn = new Map<string, { raw: Pod[]; sorted: Pod[] }>();
  for (const col of columns.values()) col.pods = sortedColumn(col.name, col.pods, drawn);
  const lane = sortedColumn("\0unscheduled", unscheduled, drawn);
  lastColumns = drawn;

  const all = eventsNewestFirst(c);
  const events = f.namespace ? all.filter((e) => e.metadata.namespace === f.namespace) : all;
  const eventsOf = (kind: string, o: KObject): Event[] => {
    const out: Event[] = [];
    for (const e of events) {
      if (e.involvedObject.kind === kind && e.involvedObject.name === o.metadata.name && e.metadata.namespace === o.metadata.namespace && out.push(e) === 3) break;
    }
    return out;
  };

  const rsByOwner = new Map<string, ReplicaSet[]>();
  for (const rs of inf.replicasets.cache.values()) {
    const uid = rs.metadata.ownerReferences?.find((r) => r.controller)?.uid;
    if (uid) rsByOwner.set(uid, [...(rsByOwner.get(uid) ?? []), rs]);
  }
  const workloads: WorkloadRow[] = [];
  for (const d of [...inf.deployments.cache.values()].filter(match).sort(byName)) {
    if (d.metadata.namespace) namespaces.add(d.metadata.namespace);
    const rss = rsByOwner.get(d.metadata.uid ?? "") ?? [];
    const rev = d.metadata.annotations?.[REVISION_ANNOTATION];
    const newRs = rss.find((rs) => rev !== undefined && rs.metadata.annotations?.[REVISION_ANNOTATION] === rev);
    const oldRs = rss.filter((rs) => rs !== newRs && ((rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0));
    const s = d.status ?? {};
    workloads.push({
      kind: "Deployment", resource: "deployments", obj: d, desired: d.spec?.replicas ?? 1,
      updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0,
      ...(newRs ? { newRs } : {}), oldRs, replicaSets: rss, events: eventsOf("Deployment", d),
    });
  }
  for (const ss of [...inf.statefulsets.cache.values()].filter(match).sort(byName)) {
    const s = ss.status;
    workloads.push({
      kind: "StatefulSet", resource: "statefulsets", obj: ss, desired: ss.spec?.replicas ?? 1,
      updated: s?.updatedReplicas ?? 0, ready: s?.readyReplicas ?? 0, available: s?.availableReplicas ?? 0, oldRs: [], events: eventsOf("StatefulSet", ss),
    });
  }
  for (const ds of [...inf.daemonsets.cache.values()].filter(match).sort(byName)) {
    const s = ds.status;
    workloads.push({
      kind: "DaemonSet", resource: "daemonsets", obj: ds, desired: s?.desiredNumberScheduled ?? 0,
      updated: s?.updatedNumberScheduled ?? 0, ready: s?.numberReady ?? 0, available: s?.numberAvailable ?? 0, oldRs: [], events: eventsOf("DaemonSet", ds),
    });
  }
  for (const e of events.slice(0, EVENTS_SHOWN)) if (e.metadata.namespace) namespaces.add(e.metadata.namespace);
  if (c.namespace) namespaces.add(c.namespace);
  return {
    columns: [...columns.values()],
    unscheduled: lane,
    workloads,
    events: events.slice(0, EVENTS_SHOWN),
    namespaces: [...namespaces].sort(),
    ...(error ? { selectorError: error } : {}),
    podCount,
    readyCount,
    podsForbidden: !c.readable("pods"),
  };
}
