import { afterEach, describe, expect, it } from "vitest";
import { SchedulingQueue } from "../../scheduler/queue.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import type { PodInfo } from "../../scheduler/types.js";
import { makePod } from "../helpers/builders.js";

const queues: SchedulingQueue[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
});

function mk(opts: ConstructorParameters<typeof SchedulingQueue>[0] = {}): SchedulingQueue {
  const q = new SchedulingQueue(opts);
  queues.push(q);
  return q;
}

function pod(name: string, priority?: number): PodInfo {
  return buildPodInfo(makePod(name, { spec: { priority } }));
}

async function popName(q: SchedulingQueue): Promise<string | undefined> {
  return (await q.pop())?.info.pod.metadata.name;
}

describe("SchedulingQueue", () => {
  it("pops by priority, then FIFO", async () => {
    const q = mk();
    q.add(pod("a"));
    q.add(pod("b", 10));
    q.add(pod("c"));
    q.add(pod("d", 10));
    expect([await popName(q), await popName(q), await popName(q), await popName(q)]).toEqual(["b", "d", "a", "c"]);
  });

  it("pop waits for an add", async () => {
    const q = mk();
    const p = popName(q);
    q.add(pod("late"));
    expect(await p).toBe("late");
  });

  it("close resolves a waiting pop with undefined", async () => {
    const q = mk();
    const p = q.pop();
    q.close();
    expect(await p).toBeUndefined();
  });

  it("an unschedulable pod waits for a cluster event, then for its back-off", async () => {
    let now = 1_000_000;
    const q = mk({ now: () => now, initialBackoffMs: 1000 });
    q.add(pod("p"));
    const first = await q.pop();
    q.addUnschedulable(first!.info.uid);
    expect(q.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 1, volumes: 0 });
    now += 100; // event inside the back-off window: back-off queue
    q.moveAllToActiveOrBackoff();
    expect(q.stats()).toEqual({ active: 0, backoff: 1, unschedulable: 0, volumes: 0 });
    now += 1000;
    const again = await q.pop(); // promoted at once: the window has passed on the injected clock
    expect(again?.attempts).toBe(1);
  });

  it("an event after the back-off window goes straight to active", async () => {
    let now = 0;
    const q = mk({ now: () => now, initialBackoffMs: 1000 });
    q.add(pod("p"));
    const first = await q.pop();
    q.addUnschedulable(first!.info.uid);
    now += 5000;
    q.moveAllToActiveOrBackoff();
    expect(q.stats().active).toBe(1);
  });

  it("back-off doubles per attempt and is capped", async () => {
    let now = 0;
    const q = mk({ now: () => now, initialBackoffMs: 1000, maxBackoffMs: 3000 });
    q.add(pod("p"));
    let e = await q.pop();
    for (const want of [1000, 2000, 3000, 3000]) {
      q.addBackoff(e!.info.uid);
      now += want - 1;
      expect(q.stats().backoff).toBe(1);
      now += 1;
      e = await q.pop();
      expect(e).toBeDefined();
    }
  });

  it("real timers promote back-off pods without any event", async () => {
    const q = mk({ initialBackoffMs: 20 });
    q.add(pod("p"));
    const e = await q.pop();
    q.addBackoff(e!.info.uid);
    expect(await popName(q)).toBe("p");
  });

  it("deleted pods are skipped; updates replace the queued version", async () => {
    const q = mk();
    const a = pod("a");
    q.add(a);
    q.add(pod("b"));
    q.delete(a.uid);
    const b2 = buildPodInfo({ ...makePod("b2"), metadata: { ...makePod("b2").metadata } });
    q.add(b2);
    expect(await popName(q)).toBe("b");
    expect(await popName(q)).toBe("b2");
    expect(q.length).toBe(0);
  });

  it("an unschedulable pod whose spec changes is retried", async () => {
    let now = 0;
    const q = mk({ now: () => now, initialBackoffMs: 10 });
    const p = pod("p");
    q.add(p);
    await q.pop();
    q.addUnschedulable(p.uid);
    now += 10;
    q.add({ ...p, nodeSelector: [] });
    expect(q.stats().active).toBe(1);
  });

  it("a stale unschedulable pod is flushed after maxUnschedulableMs", async () => {
    let now = 0;
    const q = mk({ now: () => now, maxUnschedulableMs: 1000 });
    const p = pod("p");
    q.add(p);
    await q.pop();
    q.addUnschedulable(p.uid);
    now += 1000;
    // The flush runs on a timer (every max(1 s, max/4)); it uses the injected clock.
    expect(await popName(q)).toBe("p");
  });
});
