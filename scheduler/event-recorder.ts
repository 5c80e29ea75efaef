/**
 * A small core/v1 Event recorder for the scheduler (components do not share code beyond lib/).
 * Repeats of the same (object, reason, message) within `aggregateMs` bump `count` and
 * `lastTimestamp` on the existing Event instead of creating a new one, as client-go's event
 * correlator does, so a pod retried every few seconds leaves one Event, not hundreds.
 * Writes are fire-and-forget and never compete with bindings for long: at most `concurrency`
 * writes are in flight and at most `maxQueued` wait; beyond that new Events are dropped (and
 * counted), as client-go's broadcaster drops when its 1,000-event channel is full.
 */
import { hostname } from "node:os";
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import type { Event, KObject } from "../lib/types.js";

export const SCHEDULER_COMPONENT = "default-scheduler";

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

interface Queued {
  obj: KObject;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  at: Date;
}

export interface EventRecorderOptions {
  /** repeats within this window update the existing Event (default 10 min) */
  aggregateMs?: number;
  /** writes in flight (default 4) */
  concurrency?: number;
  /** Events waiting to be written before new ones are dropped (default 1,000) */
  maxQueued?: number;
  /**
   * While this returns true no new write starts (the owner has more urgent writes, such as
   * bindings, queued); call `resume()` when it turns false.
   */
  paused?: () => boolean;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly queue: Queued[] = [];
  private inflight = 0;
  private idle: (() => void)[] = [];
  private seq = 0;
  private readonly aggregateMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxRemembered = 4096;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
    private readonly now: () => Date,
    opts: EventRecorderOptions = {},
  ) {
    this.aggregateMs = opts.aggregateMs ?? 10 * 60_000;
    this.concurrency = opts.concurrency ?? 4;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.paused = opts.paused ?? (() => false);
  }

  private readonly paused: () => boolean;

  /** Start writing again after `paused()` turned false. */
  resume(): void {
    this.pump();
  }

  /** Record an Event about `obj`. Returns at once; `flush()` waits until all are written. */
  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.queue.length >= this.maxQueued) {
      if (this.dropped++ % 1000 === 0) this.log.debug({ dropped: this.dropped }, "event queue full; dropping events");
      return;
    }
    this.queue.push({ obj, type, reason, message, at: this.now() });
    this.pump();
  }

  /** Wait until the queue is empty and no write is in flight (ignores `paused`). */
  flush(): Promise<void> {
    if (this.queue.length === 0 && this.inflight === 0) return Promise.resolve();
    this.flushing = true;
    this.pump();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flushing = false;

  private pump(): void {
    while (this.inflight < this.concurrency && this.queue.length > 0 && (this.flushing || !this.paused())) {
      const q = this.queue.shift()!;
      this.inflight++;
      this.write(q.obj, q.type, q.reason, q.message, q.at)
        .catch((err: unknown) => this.log.debug({ err, reason: q.reason }, "could not write event"))
        .finally(() => {
          this.inflight--;
          this.pump();
          if (this.queue.length === 0 && this.inflight === 0) {
            this.flushing = false;
            for (const w of this.idle.splice(0)) w();
          }
        });
    }
  }

  private async write(obj: KObject, type: "Normal" | "Warning", reason: string, message: string, nowDate: Date): Promise<void> {
    const namespace = obj.metadata.namespace ?? "default";
    const key = `${obj.metadata.uid ?? `${namespace}/${obj.metadata.name}`}\u0000${reason}\u0000${message}`;
    const ts = nowDate.toISOString().replace(/\.\d{3}Z$/, "Z");
    const prev = this.seen.get(key);
    if (prev && nowDate.getTime() - prev.at < this.aggregateMs) {
      prev.count++;
      prev.at = nowDate.getTime();
      try {
        await this.client.patch("Event", prev.name, { count: prev.count, lastTimestamp: ts }, { namespace: prev.namespace });
        return;
      } catch {
        this.seen.delete(key); // gone (expired or deleted): write a fresh one below
      }
    }
    const name = `${obj.metadata.name}.${(nowDate.getTime() * 1000 + (this.seq++ % 1000)).toString(16)}`;
    const ev: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: SCHEDULER_COMPONENT },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: SCHEDULER_COMPONENT,
      reportingInstance: `${SCHEDULER_COMPONENT}-${hostname()}`,
    };
    if (this.seen.size >= this.maxRemembered) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.set(key, { name, namespace, count: 1, first: ts, at: nowDate.getTime() });
    await this.client.create(ev, namespace);
  }
}
