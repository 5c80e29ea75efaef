/**
 * The event recorder every component uses (client-go's record.EventRecorder, simplified): writes
 * core/v1 Events about an object through the API, fire and forget.
 *
 * - Repeats of the same (object, component, type, reason, message, fieldPath) within
 *   `aggregateMs` bump `count` and `lastTimestamp` on the existing Event instead of creating a
 *   new one, as client-go's event correlator does, so a pod retried every few seconds leaves one
 *   Event, not hundreds.
 * - A per-object spam filter (token bucket: burst 25, then one per 5 minutes, as Kubernetes')
 *   keeps a 1,000-pod scale-up from writing 1,000 events about one ReplicaSet.
 * - At most `concurrency` writes are in flight and at most `maxQueued` wait; beyond that new
 *   Events are dropped (and counted), as client-go's broadcaster drops when its channel is full.
 *   An owner with more urgent writes (the scheduler's bindings) can hold writes back with
 *   `paused`. Writes never block or fail the caller.
 */
import type { ApiClient } from "./client.js";
import { isNotFound } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Event, KObject, ObjectReference } from "./types.js";
import { rfc3339 } from "./timestamps.js";

export type EventType = "Normal" | "Warning";

/** Records events about objects; never throws. */
export interface Recorder {
  /** `fieldPath` names the part of the object, e.g. `spec.containers{web}`. */
  event(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export interface EventRecorderOptions {
  /** only `create` and `patch` are used */
  client: Pick<ApiClient, "create" | "patch">;
  /** source.component, e.g. "replicaset-controller", "default-scheduler", "kubelet" */
  component: string;
  /** source.host (kubelets: the node name) */
  host?: string;
  /** reportingInstance; default the host, else the component */
  instance?: string;
  logger: Logger;
  now?: () => Date;
  /** writes in flight; default 4 */
  concurrency?: number;
  /** Events waiting to be written before new ones are dropped; default 1,000 */
  maxQueued?: number;
  /** repeats within this window update the existing Event; default 10 minutes */
  aggregateMs?: number;
  /** spam filter burst per involved object; default 25 */
  burst?: number;
  /** ms per refilled spam-filter token; default 300,000 */
  refillMs?: number;
  /** while this returns true no new write starts; call `resume()` when it turns false */
  paused?: () => boolean;
}

interface Aggregate {
  namespace: string;
  name: string;
  count: number;
  at: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

interface Queued {
  ref: ObjectReference;
  aggKey: string;
  type: EventType;
  reason: string;
  message: string;
  component: string;
  at: Date;
}

/** How many aggregates and spam buckets are remembered (oldest forgotten first). */
const MAX_REMEMBERED = 4096;

/** The involvedObject reference for `obj` (with `fieldPath` when given). */
export function referenceTo(obj: KObject, fieldPath?: string): ObjectReference {
  const ref: ObjectReference = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  ref.namespace = obj.metadata.namespace ?? (obj.kind === "Node" || obj.kind === "Namespace" ? undefined : "default");
  if (ref.namespace === undefined) delete ref.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

/** Writes Events through the API; see the file comment for aggregation, spam filter and drops. */
export class EventRecorder implements Recorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly queue: Queued[] = [];
  private inFlight = 0;
  private flushing = false;
  private idle: (() => void)[] = [];
  private seq = 0;
  private readonly now: () => Date;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** A recorder for another component sharing this one's queue, caches and limits. */
  forComponent(component: string): Recorder {
    return { event: (obj, type, reason, message, fieldPath) => this.record(obj, type, reason, message, fieldPath, component) };
  }

  event(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    this.record(obj, type, reason, message, fieldPath, this.opts.component);
  }

  /** Start writing again after `paused()` turned false. */
  resume(): void {
    this.pump();
  }

  /** Resolves once every queued write has finished (ignores `paused`): tests and shutdown. */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    this.flushing = true;
    this.pump();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private record(obj: KObject, type: EventType, reason: string, message: string, fieldPath: string | undefined, component: string): void {
    const ref = referenceTo(obj, fieldPath);
    const objKey = `${ref.kind}/${ref.namespace ?? ""}/${ref.name}/${ref.uid ?? ""}`;
    if (!this.allow(objKey)) return;
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      if (this.dropped++ % 1000 === 0) this.opts.logger.debug({ dropped: this.dropped }, "event queue full; dropping events");
      return;
    }
    const aggKey = `${objKey}\u0000${fieldPath ?? ""}\u0000${component}\u0000${type}\u0000${reason}\u0000${message}`;
    this.queue.push({ ref, aggKey, type, reason, message, component, at: this.now() });
    this.pump();
  }

  /** Token bucket per involved object. */
  private allow(key: string): boolean {
    const burst = this.opts.burst ?? 25;
    const refill = this.opts.refillMs ?? 300_000;
    const t = this.now().getTime();
    let b = this.buckets.get(key);
    if (!b) {
      forgetOldest(this.buckets);
      this.buckets.set(key, (b = { tokens: burst, last: t }));
    }
    b.tokens = Math.min(burst, b.tokens + (t - b.last) / refill);
    b.last = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 4;
    const paused = this.opts.paused;
    while (this.inFlight < limit && this.queue.length > 0 && (this.flushing || !paused?.())) {
      const q = this.queue.shift()!;
      this.inFlight++;
      this.write(q)
        .catch((err: unknown) => this.opts.logger.debug({ err, reason: q.reason }, "could not write event"))
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.queue.length === 0) {
            this.flushing = false;
            for (const w of this.idle.splice(0)) w();
          }
        });
    }
  }

  private async write(q: Queued): Promise<void> {
    const at = q.at.getTime();
    const ts = rfc3339(q.at);
    const agg = this.aggregates.get(q.aggKey);
    if (agg && at - agg.at < (this.opts.aggregateMs ?? 600_000)) {
      agg.count++;
      agg.at = at;
      try {
        await this.opts.client.patch<Event>("Event", agg.name, { count: agg.count, lastTimestamp: ts }, { namespace: agg.namespace });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.aggregates.delete(q.aggKey); // expired or deleted: start a new one below
      }
    }
    const namespace = q.ref.namespace ?? "default";
    const name = `${q.ref.name}.${(at * 1000 + (this.seq++ % 1000)).toString(16)}`;
    const host = this.opts.host;
    const ev: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: q.ref,
      reason: q.reason,
      message: q.message,
      type: q.type,
      source: host ? { component: q.component, host } : { component: q.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: q.component,
      reportingInstance: this.opts.instance ?? host ?? q.component,
    };
    // Remember before the create returns, so a repeat queued meanwhile aggregates into it.
    forgetOldest(this.aggregates);
    this.aggregates.set(q.aggKey, { namespace, name, count: 1, at });
    await this.opts.client.create<Event>(ev, namespace);
  }
}

function forgetOldest<V>(m: Map<string, V>): void {
  if (m.size < MAX_REMEMBERED) return;
  const oldest = m.keys().next().value;
  if (oldest !== undefined) m.delete(oldest);
}
