/**
 * Leader election (lib/leader-election.ts) on a real API server's Leases: three candidates, one
 * leader at every moment; a crashed leader (Lease left held) is replaced within the lease
 * duration, with leaseTransitions counted; a stopped leader releases the Lease for a quick takeover.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLeaderElection, type LeaderElection } from "../../lib/leader-election.js";
import { silentLogger } from "../../lib/logger.js";
import type { Lease } from "../../lib/types.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const LEASE_MS = 2_000;

function candidates(name: string, n: number, active: Set<string>): { id: string; le: LeaderElection }[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `cand-${i}`;
    const le = startLeaderElection({
      client: s.client, name, identity: id, leaseDurationMs: LEASE_MS, renewDeadlineMs: 1_500, retryPeriodMs: 250, logger: silentLogger(),
      onStartedLeading: async () => {
        active.add(id);
        return async () => void active.delete(id);
      },
    });
    return { id, le };
  });
}

describe("leader election on Leases", () => {
  it("exactly one of three is active; a crashed leader is replaced within the lease duration", async () => {
    const active = new Set<string>();
    const cs = candidates("crash-test", 3, active);
    let maxActive = 0;
    const sampler = setInterval(() => (maxActive = Math.max(maxActive, active.size)), 20);
    try {
      await eventually("a leader", () => active.size === 1);
      const leaderId = [...active][0];
      const lease = await s.client.get<Lease>("Lease", "crash-test", "kube-system");
      expect(lease.spec.holderIdentity).toBe(leaderId);
      expect(lease.spec.leaseDurationSeconds).toBe(2);
      expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      const transitions = lease.spec.leaseTransitions ?? 0;
      // It renews: renewTime moves on while it stays the holder.
      await eventually("a renewal", async () => (await s.client.get<Lease>("Lease", "crash-test", "kube-system")).spec.renewTime !== lease.spec.renewTime);
      // Crash: the Lease stays held; another takes over once it has not changed for the lease duration.
      const t0 = Date.now();
      await cs.find((c) => c.id === leaderId)!.le.stop({ release: false });
      const next = await eventually("a new leader", () => active.size === 1 && [...active][0] !== leaderId && [...active][0]);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(LEASE_MS - 300);
      expect(took).toBeLessThan(LEASE_MS + 5_000); // lease duration + retry period + a loaded machine's margin
      const after = await s.client.get<Lease>("Lease", "crash-test", "kube-system");
      expect(after.spec.holderIdentity).toBe(next);
      expect(after.spec.leaseTransitions).toBe(transitions + 1);
      expect(maxActive).toBe(1);
    } finally {
      clearInterval(sampler);
      for (const c of cs) await c.le.stop();
    }
  });

  it("a leader that stops releases the Lease and a successor takes over without waiting out the duration", async () => {
    const active = new Set<string>();
    const cs = candidates("release-test", 2, active);
    try {
      await eventually("a leader", () => active.size === 1);
      const leaderId = [...active][0];
      const t0 = Date.now();
      await cs.find((c) => c.id === leaderId)!.le.stop();
      expect(active.has(leaderId)).toBe(false);
      await eventually("the other leads", () => active.size === 1 && !active.has(leaderId));
      // Released (1 s duration): quicker than the 2 s lease it held.
      expect(Date.now() - t0).toBeLessThan(LEASE_MS + 2_000);
    } finally {
      for (const c of cs) await c.le.stop();
    }
  });
});
