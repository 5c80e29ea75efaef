import { describe, expect, it } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import { silentLogger } from "../../lib/logger.js";
import type { Event, KObject } from "../../lib/types.js";
import { EventRecorder } from "../../lib/events.js";
import { makePod } from "../helpers/builders.js";

/** A client that records the Event writes (the recorder uses only create and patch). */
function fakeClient() {
  const created: Event[] = [];
  const patched: { name: string; body: unknown }[] = [];
  const client = {
    create: async (obj: KObject) => {
      created.push(obj as Event);
      return obj;
    },
    patch: async (_kind: string, name: string, body: unknown) => {
      patched.push({ name, body });
      return {} as KObject;
    },
  } as unknown as ApiClient;
  return { client, created, patched };
}

describe("EventRecorder", () => {
  const now = () => new Date("2026-01-01T00:00:00.000Z");

  it("writes a core/v1 Event from default-scheduler about the pod", async () => {
    const f = fakeClient();
    const r = new EventRecorder({ client: f.client, component: "default-scheduler", logger: silentLogger(), now });
    const pod = makePod("web-1");
    r.event(pod, "Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.");
    await r.flush();
    expect(f.created).toHaveLength(1);
    expect(f.created[0]).toMatchObject({
      kind: "Event",
      metadata: { namespace: "default" },
      involvedObject: { kind: "Pod", name: "web-1", namespace: "default", uid: pod.metadata.uid },
      type: "Warning",
      reason: "FailedScheduling",
      message: "0/1 nodes are available: 1 Insufficient cpu.",
      source: { component: "default-scheduler" },
      count: 1,
      firstTimestamp: "2026-01-01T00:00:00Z",
    });
    expect(f.created[0].metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
  });

  it("aggregates repeats into count, and a new message is a new Event", async () => {
    const f = fakeClient();
    const r = new EventRecorder({ client: f.client, component: "default-scheduler", logger: silentLogger(), now, concurrency: 1 });
    const pod = makePod("p");
    r.event(pod, "Warning", "FailedScheduling", "a");
    r.event(pod, "Warning", "FailedScheduling", "a");
    r.event(pod, "Warning", "FailedScheduling", "a");
    r.event(pod, "Warning", "FailedScheduling", "b");
    await r.flush();
    expect(f.created.map((e) => e.message)).toEqual(["a", "b"]);
    expect(f.patched.map((p) => p.body)).toEqual([
      { count: 2, lastTimestamp: "2026-01-01T00:00:00Z" },
      { count: 3, lastTimestamp: "2026-01-01T00:00:00Z" },
    ]);
  });

  it("spam filter: a burst per object, then nothing until tokens refill", async () => {
    const f = fakeClient();
    let t = Date.parse("2026-01-01T00:00:00.000Z");
    const r = new EventRecorder({ client: f.client, component: "replicaset-controller", logger: silentLogger(), now: () => new Date(t), burst: 3, refillMs: 1000 });
    const rs = makePod("rs-like");
    for (let i = 0; i < 10; i++) r.event(rs, "Normal", "SuccessfulCreate", `Created pod: p${i}`);
    await r.flush();
    expect(f.created.map((e) => e.message)).toEqual(["Created pod: p0", "Created pod: p1", "Created pod: p2"]);
    t += 1000;
    r.event(rs, "Normal", "SuccessfulCreate", "Created pod: later");
    await r.flush();
    expect(f.created).toHaveLength(4);
  });

  it("kubelet events carry the host and the container's fieldPath", async () => {
    const f = fakeClient();
    const r = new EventRecorder({ client: f.client, component: "kubelet", host: "node-1", logger: silentLogger(), now });
    r.event(makePod("web-1"), "Normal", "Started", "Started container web", "spec.containers{web}");
    await r.flush();
    expect(f.created[0]).toMatchObject({
      source: { component: "kubelet", host: "node-1" },
      involvedObject: { name: "web-1", fieldPath: "spec.containers{web}" },
      reportingInstance: "node-1",
    });
  });

  it("waits while paused, drops beyond maxQueued, flush writes regardless", async () => {
    const f = fakeClient();
    let paused = true;
    const r = new EventRecorder({ client: f.client, component: "default-scheduler", logger: silentLogger(), now, maxQueued: 2, paused: () => paused });
    for (let i = 0; i < 5; i++) r.event(makePod(`p${i}`), "Normal", "Scheduled", `m${i}`);
    await new Promise((res) => setImmediate(res));
    expect(f.created).toHaveLength(0);
    expect(r.dropped).toBe(3);
    paused = false;
    r.resume();
    await r.flush();
    expect(f.created.map((e) => e.message)).toEqual(["m0", "m1"]);
  });
});
