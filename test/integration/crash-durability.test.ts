/**
 * kill -9 of a real `kctl server` in the middle of concurrent writes, reads and a watch, then a
 * restart on the same data dir (bench/crash-cycle.ts does the work; `node dist/bench/crash.js`
 * runs many more cycles). Nothing acknowledged is lost, nothing shown is taken back, no revision
 * is reused, and a watch resumed from the last revision seen misses nothing.
 */
import { describe, expect, it } from "vitest";
import { runCrashCycles } from "../../bench/crash-cycle.js";
import { seededRandom } from "../../lib/seeded-random.js";

describe("crash durability", () => {
  it("survives kill -9 during concurrent writes and reads, 4 cycles", async () => {
    const r = await runCrashCycles({ cycles: 4, writers: 6, readers: 2, minBurstMs: 300, maxBurstMs: 900, afterWrites: 5, random: seededRandom(21) });
    expect(r.cycles).toBe(4);
    expect(r.acknowledged).toBeGreaterThan(20);
    expect({ lost: r.lost, visibleThenLost: r.visibleThenLost, revisionAhead: r.revisionAhead, reused: r.reused, watchMissed: r.watchMissed }).toEqual({
      lost: 0,
      visibleThenLost: 0,
      revisionAhead: 0,
      reused: 0,
      watchMissed: 0,
    });
  }, 120_000);
});
