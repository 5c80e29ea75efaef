import { describe, expect, it } from "vitest";
import { planReplicaSet, podFromTemplate, statusChanged } from "../../controllers/replicaset/plan.js";
import { Expectations } from "../../controllers/expectations.js";
import { compareForDeletion } from "../../controllers/util/pods.js";
import { slowStart, slowStartBatches } from "../../controllers/util/slowstart.js";
import { at, pod, replicaSet } from "./controllers-fixtures.js";

const RS = "rs-uid";
const names = (ps: { metadata: { name?: string } }[]) => ps.map((p) => p.metadata.name).sort();

describe("planReplicaSet", () => {
  const cases = [
    { name: "creates the missing pods", replicas: 3, pods: [pod({ name: "a", owner: RS, node: "n", ready: true })], create: 2, del: [] as string[] },
    { name: "nothing to do at the right size", replicas: 1, pods: [pod({ name: "a", owner: RS, node: "n", ready: true })], create: 0, del: [] },
    {
      name: "terminating and finished pods do not count",
      replicas: 2,
      pods: [pod({ name: "a", owner: RS, node: "n", ready: true }), pod({ name: "b", owner: RS, node: "n", deleting: true }), pod({ name: "c", owner: RS, node: "n", phase: "Failed" }), pod({ name: "d", owner: RS, node: "n", phase: "Succeeded" })],
      create: 1,
      del: [],
    },
    {
      name: "deletes unscheduled before pending before not-ready before newest",
      replicas: 1,
      pods: [
        pod({ name: "old-ready", owner: RS, node: "n", ready: true, created: 1, readyAt: 2 }),
        pod({ name: "new-ready", owner: RS, node: "n", ready: true, created: 5, readyAt: 6 }),
        pod({ name: "not-ready", owner: RS, node: "n", created: 0 }),
        pod({ name: "pending", owner: RS, node: "n", phase: "Pending", created: 0 }),
        pod({ name: "unscheduled", owner: RS, created: 0 }),
      ],
      create: 0,
      del: ["unscheduled", "pending", "not-ready", "new-ready"],
    },
    { name: "ignores pods of other owners", replicas: 1, pods: [pod({ name: "x", owner: "other", node: "n", ready: true })], create: 1, del: [] },
    { name: "ignores pods not matching", replicas: 1, pods: [pod({ name: "x", labels: { app: "db" }, node: "n", ready: true })], create: 1, del: [] },
    { name: "scale to zero deletes all", replicas: 0, pods: [pod({ name: "a", owner: RS, node: "n" }), pod({ name: "b", owner: RS })], create: 0, del: ["a", "b"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planReplicaSet(replicaSet({ replicas: c.replicas }), c.pods, at(100));
      expect(p.create).toBe(c.create);
      expect(p.delete.map((x) => x.metadata.name)).toEqual(c.del.length > 1 && c.name.startsWith("scale") ? expect.arrayContaining(c.del) : c.del);
    });
  }

  it("adopts matching orphans and counts them", () => {
    const p = planReplicaSet(replicaSet({ replicas: 2 }), [pod({ name: "orphan", node: "n", ready: true }), pod({ name: "owned", owner: RS, node: "n", ready: true })], at(1));
    expect(names(p.adopt)).toEqual(["orphan"]);
    expect(p.create).toBe(0);
    expect(p.status.replicas).toBe(2);
  });

  it("does not adopt terminating orphans, nor adopt while the ReplicaSet is deleted", () => {
    expect(planReplicaSet(replicaSet({}), [pod({ name: "o", deleting: true })], at(1)).adopt).toEqual([]);
    const p = planReplicaSet(replicaSet({ deleting: true }), [pod({ name: "o" })], at(1));
    expect(p.adopt).toEqual([]);
    expect(p.create).toBe(0);
  });

  it("releases owned pods that stopped matching", () => {
    const p = planReplicaSet(replicaSet({ replicas: 1 }), [pod({ name: "moved", owner: RS, labels: { app: "debug" } })], at(1));
    expect(names(p.release)).toEqual(["moved"]);
    expect(p.create).toBe(1);
  });

  it("does not manage when expectations are unsatisfied, but still reports status", () => {
    const p = planReplicaSet(replicaSet({ replicas: 5 }), [pod({ name: "a", owner: RS, node: "n", ready: true })], at(1), false);
    expect(p.create).toBe(0);
    expect(p.status.replicas).toBe(1);
  });

  it("caps a sync at 500 creations (burstReplicas)", () => {
    expect(planReplicaSet(replicaSet({ replicas: 1200 }), [], at(0)).create).toBe(500);
  });

  it("computes status with minReadySeconds and requeues for the next availability", () => {
    const rs = replicaSet({ replicas: 4, minReadySeconds: 10, generation: 7 });
    const pods = [
      pod({ name: "long", owner: RS, node: "n", ready: true, readyAt: 0 }),
      pod({ name: "recent", owner: RS, node: "n", ready: true, readyAt: 95 }),
      pod({ name: "notready", owner: RS, node: "n" }),
      pod({ name: "partial", owner: RS, node: "n", labels: { app: "web" }, ready: true, readyAt: 0 }),
    ];
    pods[0].metadata.labels = { app: "web", tier: "fe" };
    pods[1].metadata.labels = { app: "web", tier: "fe" };
    pods[2].metadata.labels = { app: "web", tier: "fe" };
    const p = planReplicaSet(rs, pods, at(100));
    expect(p.status).toEqual({ replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 2, observedGeneration: 7 });
    expect(p.requeueAfterMs).toBe(5000);
    expect(statusChanged(rs, p.status)).toBe(true);
    expect(statusChanged({ ...rs, status: p.status }, p.status)).toBe(false);
  });

  it("builds pods from the template with generateName and a blocking controller reference", () => {
    const p = podFromTemplate(replicaSet({ name: "web-abc", uid: "u1" }));
    expect(p.metadata.generateName).toBe("web-abc-");
    expect(p.metadata.labels).toEqual({ app: "web", tier: "fe" });
    expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "u1", controller: true, blockOwnerDeletion: true }]);
  });
});

describe("compareForDeletion", () => {
  it("prefers more restarts, then newer", () => {
    const a = pod({ name: "a", node: "n", phase: "Running", restarts: 5, created: 0 });
    const b = pod({ name: "b", node: "n", phase: "Running", restarts: 0, created: 9 });
    const c = pod({ name: "c", node: "n", phase: "Running", restarts: 0, created: 1 });
    expect([c, b, a].sort(compareForDeletion).map((p) => p.metadata.name)).toEqual(["a", "b", "c"]);
  });
  it("ready for less time goes first", () => {
    const a = pod({ name: "a", node: "n", ready: true, readyAt: 10 });
    const b = pod({ name: "b", node: "n", ready: true, readyAt: 50 });
    expect([a, b].sort(compareForDeletion)[0].metadata.name).toBe("b");
  });
});

describe("Expectations", () => {
  it("is unsatisfied until every creation and deletion is observed", () => {
    let now = at(0);
    const e = new Expectations(() => now);
    expect(e.satisfied("ns/rs")).toBe(true);
    e.expect("ns/rs", 2, ["ns/p1"]);
    expect(e.satisfied("ns/rs")).toBe(false);
    e.creationObserved("ns/rs");
    e.creationObserved("ns/rs");
    expect(e.satisfied("ns/rs")).toBe(false);
    e.deletionObserved("ns/rs", "ns/p1");
    e.deletionObserved("ns/rs", "ns/p1"); // idempotent
    expect(e.pending("ns/rs")).toEqual({ add: 0, del: 0 });
    expect(e.satisfied("ns/rs")).toBe(true);
  });
  it("can be lowered after failures and expires after five minutes", () => {
    let now = at(0);
    const e = new Expectations(() => now);
    e.expect("k", 3);
    e.lowerCreations("k", 3);
    expect(e.satisfied("k")).toBe(true);
    e.expect("k", 1);
    now = at(301);
    expect(e.satisfied("k")).toBe(true);
  });
});

describe("slow start", () => {
  it("batches 1, 2, 4, ...", () => {
    expect(slowStartBatches(10)).toEqual([1, 2, 4, 3]);
    expect(slowStartBatches(0)).toEqual([]);
  });
  it("stops at the first failing batch", async () => {
    const calls: number[] = [];
    const r = await slowStart(10, async (i) => {
      calls.push(i);
      if (i === 2) throw new Error("quota");
    });
    expect(calls.sort()).toEqual([0, 1, 2]);
    expect(r).toMatchObject({ succeeded: 2, skipped: 7 });
  });
});
