/**
 * A small core/v1 Event recorder for the scheduler (components do not share code beyond lib/).
 * Repeats of the same (object, reason, message) within `aggregateMs` bump `count` and
 * `lastTimestamp` on the existing Event instead of creating a new one, as client-go's event
 * correlator does, so a pod retried every few seconds leaves one Event, not hundreds.
 * Writes are fire-and-forget: an Event that cannot be written is logged and dropped.
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

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
    private readonly now: () => Date,
    private readonly aggregateMs = 10 * 60_000,
    private readonly maxRemembered = 4096,
  ) {}

  /** Record an Event about `obj`. Returns at once; `flush()` waits for the writes. */
  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const p = this.write(obj, type, reason, message).catch((err: unknown) => {
      this.log.debug({ err, reason }, "could not write event");
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Wait for the writes in flight. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async write(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? "default";
    const key = `${obj.metadata.uid ?? `${namespace}/${obj.metadata.name}`}\u0000${reason}\u0000${message}`;
    const nowDate = this.now();
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
