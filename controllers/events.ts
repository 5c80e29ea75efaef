/**
 * The event recorder (client-go's record.EventRecorder, simplified): writes core/v1 Events about
 * an object, aggregates repeats of the same event into one object with a growing `count`, and
 * rate-limits per involved object (burst 25, then one per 5 minutes, as Kubernetes' spam filter)
 * so a 1,000-pod scale-up does not write 1,000 events. Writes are asynchronous and never block or
 * fail a reconcile.
 */
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Event, KObject, ObjectReference } from "../lib/types.js";

export type EventType = "Normal" | "Warning";

/** Records events about objects. */
export interface Recorder {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

export interface EventRecorderOptions {
  client: ApiClient;
  /** source.component, e.g. "replicaset-controller" */
  component: string;
  logger: Logger;
  now?: () => Date;
  /** concurrent writes; default 4 */
  concurrency?: number;
  /** spam filter burst per involved object; default 25 */
  burst?: number;
  /** ms per refilled token; default 300,000 */
  refillMs?: number;
}

interface Aggregate {
  namespace: string;
  name: string;
  count: number;
  first: string;
}

interface Bucket {
  tokens: number;
  last: number;
}

const MAX_CACHE = 4096;

/** The involvedObject reference for `obj`. */
export function referenceTo(obj: KObject): ObjectReference {
  const ref: ObjectReference = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

/** Writes Events through the API. */
export class EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pending: (() => Promise<void>)[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private seq = 0;
  private readonly now: () => Date;

  constructor(private readonly opts: EventRecorderOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** A recorder for another component sharing this one's queue, caches and limits. */
  forComponent(component: string): Recorder {
    return { event: (obj, type, reason, message) => this.record(obj, type, reason, message, component) };
  }

  /** Record an event (returns at once; the write happens in the background). */
  event(obj: KObject, type: EventType, reason: string, message: string): void {
    this.record(obj, type, reason, message, this.opts.component);
  }

  /** Resolves once every queued write has finished (tests, shutdown). */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private record(obj: KObject, type: EventType, reason: string, message: string, component: string): void {
    const ref = referenceTo(obj);
    const objKey = `${ref.kind}/${ref.namespace ?? ""}/${ref.name}/${ref.uid ?? ""}`;
    if (!this.allow(objKey)) return;
    const aggKey = `${objKey}|${component}|${type}|${reason}|${message}`;
    this.enqueue(() => this.write(aggKey, ref, type, reason, message, component));
  }

  /** Token bucket per involved object. */
  private allow(key: string): boolean {
    const burst = this.opts.burst ?? 25;
    const refill = this.opts.refillMs ?? 300_000;
    const t = this.now().getTime();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_CACHE) this.buckets.delete(this.buckets.keys().next().value as string);
      this.buckets.set(key, (b = { tokens: burst, last: t }));
    }
    b.tokens = Math.min(burst, b.tokens + (t - b.last) / refill);
    b.last = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private async write(aggKey: string, ref: ObjectReference, type: EventType, reason: string, message: string, component: string): Promise<void> {
    const now = this.now().toISOString();
    const agg = this.aggregates.get(aggKey);
    if (agg) {
      agg.count++;
      try {
        await this.opts.client.patch<Event>("Event", agg.name, { count: agg.count, lastTimestamp: now }, { namespace: agg.namespace });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.aggregates.delete(aggKey); // expired or deleted: start a new one
      }
    }
    const namespace = ref.namespace ?? "default";
    const ev: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${ref.name}.${(this.now().getTime() * 1000 + (this.seq++ % 1000)).toString(16)}`, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: component,
    };
    const created = await this.opts.client.create<Event>(ev, namespace);
    if (this.aggregates.size >= MAX_CACHE) this.aggregates.delete(this.aggregates.keys().next().value as string);
    this.aggregates.set(aggKey, { namespace, name: created.metadata.name ?? ev.metadata.name ?? "", count: 1, first: now });
  }

  private enqueue(job: () => Promise<void>): void {
    this.pending.push(job);
    this.pump();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 4;
    while (this.inFlight < limit && this.pending.length > 0) {
      const job = this.pending.shift()!;
      this.inFlight++;
      job()
        .catch((err: unknown) => this.opts.logger.debug({ err }, "could not write event"))
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.pending.length === 0) for (const w of this.idle.splice(0)) w();
        });
    }
  }
}
