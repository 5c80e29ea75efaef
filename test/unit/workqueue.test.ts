import { describe, expect, it } from "vitest";
import { ExponentialBackoff, PerKeyBackoff, backoffDelay } from "../../lib/backoff.js";
import { FakeClock, realClock } from "../../lib/clock.js";
import { silentLogger } from "../../lib/logger.js";
import { WorkQueue, runWorkers } from "../../lib/workqueue.js";
import { afterTurns } from "../helpers/eventually.js";

/** Let pending promise callbacks run. */
const flush = () => new Promise<void>((r) => setImmediate(r));


describe("WorkQueue", () => {
  it("dedups keys that are waiting", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
  });

  it("never hands a key in progress to a second worker; re-adds it after done", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add("a");
    const k = await q.get();
    expect(k).toBe("a");
    q.add("a"); // changed while being processed
    q.add("a");
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await flush();
    expect(second).toBeUndefined();
    q.done("a");
    await afterTurns(() => second !== undefined, "re-queued key");
    expect(second).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
    expect(q.inFlight()).toBe(0);
  });

  it("does not re-queue a key done without a new add", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add("a");
    await q.get();
    q.done("a");
    expect(q.len()).toBe(0);
    q.done("never-got"); // harmless
    expect(q.len()).toBe(0);
  });

  it("wakes waiting getters in order, FIFO", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const got: (string | undefined)[] = [];
    const p1 = q.get().then((k) => got.push(k));
    const p2 = q.get().then((k) => got.push(k));
    q.add("x");
    q.add("y");
    await Promise.all([p1, p2]);
    expect(got).toEqual(["x", "y"]);
  });

  it("addAfter delays, keeping the earliest time", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("a", 100);
    q.addAfter("a", 500); // later: ignored
    q.addAfter("b", 300);
    q.addAfter("b", 50); // earlier: wins
    q.addAfter("c", 0); // immediate
    expect(q.len()).toBe(1);
    clock.advance(49);
    expect(q.len()).toBe(1);
    clock.advance(1);
    expect(q.len()).toBe(2); // c, b
    clock.advance(50);
    expect(q.len()).toBe(3);
    expect(clock.pending()).toBe(0);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["c", "b", "a"]);
  });

  it("addRateLimited backs off exponentially per key, capped; forget resets", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 5, maxDelayMs: 60_000 });
    const delays: number[] = [];
    for (let i = 0; i < 16; i++) {
      const before = clock.now();
      q.addRateLimited("k");
      const at = clock.nextTimerAt()!;
      delays.push(at - before);
      clock.advance(at - before);
      expect(q.len()).toBe(1);
      q.done((await q.get())!);
    }
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    expect(delays.at(-1)).toBe(60_000);
    expect(q.numRequeues("k")).toBe(16);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
    q.addRateLimited("k");
    expect(clock.nextTimerAt()! - clock.now()).toBe(5);
    // another key has its own back-off
    q.addRateLimited("other");
    expect(q.numRequeues("other")).toBe(1);
  });

  it("shutdown releases getters with undefined and ignores later adds", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const pending = q.get();
    q.addAfter("late", 10);
    q.shutdown();
    expect(await pending).toBeUndefined();
    expect(clock.pending()).toBe(0);
    q.add("a");
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(q.shuttingDown).toBe(true);
    q.shutdown(); // idempotent
  });

  it("whenIdle resolves once in-flight keys are done", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add("a");
    await q.get();
    let idle = false;
    void q.whenIdle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);
    q.done("a");
    await afterTurns(() => idle, "idle");
  });

  it("handles many keys", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (let i = 0; i < 5000; i++) q.add(`k${i % 2500}`);
    expect(q.len()).toBe(2500);
    for (let i = 0; i < 2500; i++) {
      const k = await q.get();
      expect(k).toBe(`k${i}`);
      q.done(k!);
    }
    expect(q.len()).toBe(0);
  });

  it("works on the real clock", async () => {
    const q = new WorkQueue({ clock: realClock });
    q.addAfter("a", 1);
    expect(await q.get()).toBe("a");
  });
});

describe("runWorkers", () => {
  it("processes each key once per add, never the same key concurrently", async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    const active = new Set<string>();
    let overlap = false;
    let maxParallel = 0;
    const handled: string[] = [];
    const gates: (() => void)[] = [];
    const handler = async (key: string) => {
      if (active.has(key)) overlap = true;
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      await new Promise<void>((r) => gates.push(r));
      handled.push(key);
      active.delete(key);
    };
    const running = runWorkers(q, 4, handler, silentLogger());
    for (const k of ["a", "b", "c", "a", "a", "b"]) q.add(k);
    // a, b and c start at once; the second a and b wait for their first run to finish
    await afterTurns(() => gates.length === 3, "three keys in progress");
    expect(q.len()).toBe(0);
    q.add("a"); // still coalesces with the pending re-run of a
    for (const g of gates.splice(0)) g();
    await afterTurns(() => gates.length === 2, "a and b re-run");
    expect([...active].sort()).toEqual(["a", "b"]);
    for (const g of gates.splice(0)) g();
    await afterTurns(() => handled.length === 5 && q.inFlight() === 0, "all handled");
    expect(handled.sort()).toEqual(["a", "a", "b", "b", "c"]);
    expect(overlap).toBe(false);
    expect(maxParallel).toBe(3);
    q.shutdown();
    await running;
  });

  it("retries failures with back-off and forgets on success", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 1000 });
    let calls = 0;
    const warnings: unknown[] = [];
    const logger = silentLogger();
    logger.warn = ((obj: unknown) => void warnings.push(obj)) as typeof logger.warn;
    const running = runWorkers(q, 2, async () => {
      calls++;
      if (calls <= 3) throw new Error(`boom ${calls}`);
    }, logger);
    q.add("k");
    await afterTurns(() => calls === 1 && clock.pending() === 1, "first failure");
    expect(clock.nextTimerAt()).toBe(10);
    clock.advance(10);
    await afterTurns(() => calls === 2 && clock.pending() === 1, "second failure");
    expect(clock.nextTimerAt()).toBe(30); // 10 + 20
    clock.advance(20);
    await afterTurns(() => calls === 3 && clock.pending() === 1, "third failure");
    clock.advance(40);
    await afterTurns(() => calls === 4 && q.inFlight() === 0, "success");
    expect(q.numRequeues("k")).toBe(0);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({ key: "k", retries: 0 });
    q.shutdown();
    await running;
  });
});

describe("backoff", () => {
  it("backoffDelay doubles to the cap", () => {
    const o = { baseMs: 100, capMs: 10_000 };
    expect([0, 1, 2, 3, 6, 7, 50, 5000].map((n) => backoffDelay(o, n))).toEqual([100, 200, 400, 800, 6400, 10_000, 10_000, 10_000]);
    expect(backoffDelay({ baseMs: 1, capMs: 50, factor: 3 }, 2)).toBe(9);
  });

  it("ExponentialBackoff grows and resets", () => {
    const b = new ExponentialBackoff({ baseMs: 100, capMs: 300 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 300, 300]);
    expect(b.attempts).toBe(4);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it("PerKeyBackoff keeps keys apart", () => {
    const b = new PerKeyBackoff({ baseMs: 5, capMs: 100 });
    expect([b.when("a"), b.when("a"), b.when("b"), b.when("a")]).toEqual([5, 10, 5, 20]);
    b.forget("a");
    expect(b.when("a")).toBe(5);
    expect(b.retries("b")).toBe(1);
  });

  it("FakeClock fires timers in time order, including ones set while firing", () => {
    const c = new FakeClock(1000);
    const fired: string[] = [];
    c.setTimer(() => fired.push("b@20"), 20);
    c.setTimer(() => {
      fired.push("a@10");
      c.setTimer(() => fired.push("c@15"), 5);
    }, 10);
    const t = c.setTimer(() => fired.push("never"), 12);
    t.cancel();
    c.advance(100);
    expect(fired).toEqual(["a@10", "c@15", "b@20"]);
    expect(c.now()).toBe(1100);
    expect(c.pending()).toBe(0);
  });
});
