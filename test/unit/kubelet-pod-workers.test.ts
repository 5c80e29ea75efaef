/**
 * PodWorkers: every pod its own lane. A sync that hangs (a grace period) never delays another
 * pod; updates during a sync coalesce into one more sync that reads the latest state; delayed
 * syncs, failure back-off, removal and `synced` with a fake clock.
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import { silentLogger } from "../../lib/logger.js";
import { PodWorkers } from "../../kubelet/pod-workers.js";

/** A sync whose calls stay pending until released, recording what it saw. */
function gatedSync() {
  const calls: { uid: string; version: number }[] = [];
  const gates = new Map<string, (() => void)[]>();
  const version = new Map<string, number>();
  return {
    calls,
    version,
    sync: (uid: string): Promise<void> => {
      calls.push({ uid, version: version.get(uid) ?? 0 });
      return new Promise<void>((resolve) => {
        const list = gates.get(uid) ?? [];
        list.push(resolve);
        gates.set(uid, list);
      });
    },
    release(uid: string): void {
      gates.get(uid)?.shift()?.();
    },
    pending(uid: string): number {
      return gates.get(uid)?.length ?? 0;
    },
  };
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("PodWorkers", () => {
  it("a pod whose sync hangs never delays another pod", async () => {
    const g = gatedSync();
    const w = new PodWorkers({ sync: g.sync, clock: new FakeClock(), logger: silentLogger() });
    w.start();
    w.update("slow");
    for (let i = 0; i < 50; i++) w.update(`p${i}`);
    await turns();
    expect(g.calls.map((c) => c.uid)).toHaveLength(51);
    expect(w.running()).toBe(51);
    for (let i = 0; i < 50; i++) g.release(`p${i}`);
    await turns();
    expect(w.running()).toBe(1);
  });

  it("updates during a sync coalesce into one more sync, which sees the latest version", async () => {
    const g = gatedSync();
    const w = new PodWorkers({ sync: g.sync, clock: new FakeClock(), logger: silentLogger() });
    w.start();
    w.update("a");
    await turns();
    for (let v = 1; v <= 5; v++) {
      g.version.set("a", v);
      w.update("a");
    }
    await turns();
    expect(g.calls).toEqual([{ uid: "a", version: 0 }]); // never two syncs of one pod at once
    g.release("a");
    await turns();
    expect(g.calls).toEqual([{ uid: "a", version: 0 }, { uid: "a", version: 5 }]);
    g.release("a");
    await turns();
    expect(g.calls).toHaveLength(2);
  });

  it("holds updates until start (orphans are judged only after the first pod list)", async () => {
    const g = gatedSync();
    const w = new PodWorkers({ sync: g.sync, clock: new FakeClock(), logger: silentLogger() });
    w.update("a");
    w.update("b");
    await turns();
    expect(g.calls).toHaveLength(0);
    w.start();
    await turns();
    expect(g.calls.map((c) => c.uid).sort()).toEqual(["a", "b"]);
  });

  it("updateAfter keeps the earliest time; a failed sync retries with doubling back-off", async () => {
    const clock = new FakeClock();
    let fail = true;
    const calls: number[] = [];
    const w = new PodWorkers({
      sync: async () => {
        calls.push(clock.now());
        if (fail) throw new Error("engine said no");
      },
      clock,
      logger: silentLogger(),
      retryBaseMs: 100,
    });
    w.start();
    w.updateAfter("a", 1000);
    w.updateAfter("a", 500);
    w.updateAfter("a", 2000);
    clock.advance(499);
    await turns();
    expect(calls).toEqual([]);
    clock.advance(1);
    await turns();
    expect(calls).toEqual([500]);
    clock.advance(100);
    await turns();
    expect(calls).toEqual([500, 600]);
    clock.advance(200);
    await turns();
    expect(calls).toEqual([500, 600, 800]);
    fail = false;
    clock.advance(400);
    await turns();
    expect(calls).toEqual([500, 600, 800, 1200]);
    clock.advance(10_000);
    await turns();
    expect(calls).toHaveLength(4);
  });

  it("termination states, removal once idle, and synced()", async () => {
    const g = gatedSync();
    const w = new PodWorkers({ sync: g.sync, clock: new FakeClock(), logger: silentLogger() });
    w.start();
    w.update("a");
    await turns();
    expect(w.state("a")).toBe("syncing");
    w.setState("a", "terminating");
    expect(w.state("a")).toBe("terminating");
    let done = false;
    const synced = w.synced(["a", "unknown"]).then(() => (done = true));
    g.release("a"); // the sync that began before synced() does not count
    await turns();
    expect(done).toBe(false);
    w.setState("a", "terminated");
    w.remove("a");
    expect(w.state("a")).toBe("terminated"); // still running its sync
    g.release("a");
    await synced;
    expect(done).toBe(true);
    expect(w.state("a")).toBeUndefined();
    expect(w.size()).toBe(0);
  });

  it("shutdown waits for running syncs and drops pending ones", async () => {
    const g = gatedSync();
    const w = new PodWorkers({ sync: g.sync, clock: new FakeClock(), logger: silentLogger() });
    w.start();
    w.update("a");
    await turns();
    w.update("a");
    let stopped = false;
    const s = w.shutdown().then(() => (stopped = true));
    await turns();
    expect(stopped).toBe(false);
    g.release("a");
    await s;
    expect(g.calls).toHaveLength(1);
  });
});
