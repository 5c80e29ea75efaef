/**
 * A small event recorder: Kubernetes Events about pods, written through the API, fire and
 * forget. Repeats of the same (object, reason, message) within ten minutes bump `count` on the
 * existing Event instead of creating another.
 */
import { randomBytes } from "node:crypto";
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import type { Event, KObject } from "../lib/types.js";

/** Normal or Warning. */
export type EventType = "Normal" | "Warning";

/** Records events; never throws. */
export interface EventRecorder {
  event(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

/** An EventRecorder writing to the API server as component `kubelet` on `host`. */
export class ApiEventRecorder implements EventRecorder {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly client: ApiClient,
    private readonly host: string,
    private readonly logger: Logger,
    private readonly component = "kubelet",
  ) {}

  event(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    void this.write(obj, type, reason, message, fieldPath).catch((err: unknown) =>
      this.logger.debug({ err, reason }, "could not record event"),
    );
  }

  private async write(obj: KObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? "default";
    const key = `${obj.metadata.uid}/${fieldPath ?? ""}/${reason}/${message}`;
    const now = new Date().toISOString();
    const prev = this.seen.get(key);
    if (prev && Date.now() - prev.at < 600_000) {
      prev.count++;
      prev.at = Date.now();
      await this.client.patch("Event", prev.name, { count: prev.count, lastTimestamp: now }, { namespace });
      return;
    }
    if (this.seen.size > 2000) this.seen.clear();
    const name = `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString("hex")}`;
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
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.component, host: this.host },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
    this.seen.set(key, { name, namespace, count: 1, first: now, at: Date.now() });
    await this.client.create(ev, namespace);
  }
}
