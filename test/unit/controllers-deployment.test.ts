import { describe, expect, it } from "vitest";
import { computeTemplateHash, fnv32a, safeEncode, SAFE_ALPHABET, templatesEqualIgnoringHash } from "../../lib/pod-template-hash.js";
import { newReplicaSetFor, planDeployment, type DeploymentPlan } from "../../controllers/deployment/plan.js";
import { proportionalScale } from "../../controllers/deployment/rollout.js";
import { resolveFenceposts, REVISION_ANNOTATION } from "../../controllers/deployment/util.js";
import type { Deployment, Pod, ReplicaSet } from "../../lib/types.js";
import { at, deployment, iso } from "./controllers-fixtures.js";

/** An RS of the deployment for `image`, with `replicas` all available unless told. */
function rsFor(d: Deployment, image: string, replicas: number, opts: { available?: number; revision?: number; created?: number; statusReplicas?: number } = {}): ReplicaSet {
  const dd = structuredClone(d);
  dd.spec.template.spec.containers[0].image = image;
  const rs = newReplicaSetFor(dd, computeTemplateHash(dd.spec.template));
  rs.metadata.uid = `uid-${rs.metadata.name}`;
  rs.metadata.creationTimestamp = iso(opts.created ?? 0);
  rs.metadata.generation = 1;
  rs.metadata.annotations = { [REVISION_ANNOTATION]: String(opts.revision ?? 1), "deployment.kubernetes.io/desired-replicas": String(d.spec.replicas), "deployment.kubernetes.io/max-replicas": "13" };
  rs.spec.replicas = replicas;
  const avail = opts.available ?? replicas;
  rs.status = { replicas: opts.statusReplicas ?? replicas, readyReplicas: avail, availableReplicas: avail, observedGeneration: 1 };
  return rs;
}

const plan = (d: Deployment, rss: ReplicaSet[], pods: Pod[] = [], s = 100): DeploymentPlan => planDeployment({ deployment: d, replicaSets: rss, pods, now: at(s) });
const sizes = (p: DeploymentPlan) => Object.fromEntries([...(p.create ? [p.create] : []), ...p.update].map((rs) => [rs.metadata.name, rs.spec.replicas]));

describe("template hash", () => {
  it("is FNV-32a in the safe alphabet, stable and template-sensitive", () => {
    expect(fnv32a("")).toBe(0x811c9dc5);
    expect(fnv32a("a")).toBe(0xe40c292c);
    expect(safeEncode("0123456789")).toBe("x24567bcdf".split("").map((_, i) => SAFE_ALPHABET[(48 + i) % 27]).join(""));
    const d = deployment({});
    const h = computeTemplateHash(d.spec.template);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(computeTemplateHash(structuredClone(d.spec.template))).toBe(h);
    expect(computeTemplateHash(deployment({ image: "web:v2" }).spec.template)).not.toBe(h);
    expect(computeTemplateHash(d.spec.template, 1)).not.toBe(h);
  });
  it("ignores the pod-template-hash label, key order and empty maps", () => {
    const a = deployment({}).spec.template;
    const b = structuredClone(a);
    b.metadata = { annotations: {}, labels: { "pod-template-hash": "xyz", app: "web" } };
    expect(templatesEqualIgnoringHash(a, b)).toBe(true);
    expect(computeTemplateHash(b)).toBe(computeTemplateHash(a));
  });
});

describe("resolveFenceposts", () => {
  const cases: [number, number | string, number | string, number, number][] = [
    [10, "25%", "25%", 3, 2],
    [1, "25%", "25%", 1, 0],
    [4, 0, 0, 0, 1],
    [3, "50%", "50%", 2, 1],
    [10, 2, "0%", 2, 0],
    [100, "1%", "1%", 1, 1],
  ];
  for (const [replicas, surge, unavail, s, u] of cases) {
    it(`replicas=${replicas} maxSurge=${surge} maxUnavailable=${unavail} -> ${s}/${u}`, () => {
      expect(resolveFenceposts(deployment({ replicas, maxSurge: surge, maxUnavailable: unavail }))).toEqual({ maxSurge: s, maxUnavailable: u });
    });
  }
});

describe("planDeployment: RollingUpdate", () => {
  it("creates the first ReplicaSet at full size with revision 1", () => {
    const p = plan(deployment({}), []);
    expect(p.create?.metadata.name).toBe(`web-${computeTemplateHash(deployment({}).spec.template)}`);
    expect(p.create?.spec.replicas).toBe(10);
    expect(p.create?.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: "1", "deployment.kubernetes.io/desired-replicas": "10", "deployment.kubernetes.io/max-replicas": "13" });
    expect(p.create?.spec.selector.matchLabels?.["pod-template-hash"]).toBeTruthy();
    expect(p.create?.spec.template.metadata?.labels?.["pod-template-hash"]).toBe(p.create?.spec.selector.matchLabels?.["pod-template-hash"]);
    expect(p.create?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", uid: "d-uid", controller: true, blockOwnerDeletion: true });
    expect(p.deploymentAnnotations).toEqual({ [REVISION_ANNOTATION]: "1" });
    expect(p.events).toEqual([{ type: "Normal", reason: "ScalingReplicaSet", message: `Scaled up replica set ${p.create?.metadata.name} to 10` }]);
    expect(p.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("NewReplicaSetCreated");
  });

  it("a new template surges a new ReplicaSet by maxSurge", () => {
    const d = deployment({ image: "web:v2" });
    const old = rsFor(d, "web:v1", 10);
    const p = plan(d, [old]);
    expect(p.create?.spec.replicas).toBe(3);
    expect(p.create?.metadata.annotations?.[REVISION_ANNOTATION]).toBe("2");
  });

  it("then scales old down by no more than maxUnavailable", () => {
    const d = deployment({ image: "web:v2" });
    const old = rsFor(d, "web:v1", 10, { revision: 1 });
    const nu = rsFor(d, "web:v2", 3, { available: 0, revision: 2, created: 50 });
    expect(sizes(plan(d, [old, nu]))).toEqual({ [old.metadata.name!]: 8 });
  });

  it("does not count on an old ReplicaSet's pods until its scale-down is observed", () => {
    const d = deployment({ image: "web:v2", maxSurge: 0, maxUnavailable: 2 });
    // old was scaled 10 -> 8 but its status still shows 10 pods: the new RS must not grow yet.
    const old = rsFor(d, "web:v1", 8, { statusReplicas: 10, available: 10, revision: 1 });
    const nu = rsFor(d, "web:v2", 0, { revision: 2, created: 50 });
    expect(sizes(plan(d, [old, nu]))).toEqual({});
    // and must not scale old further down: only 8 of its pods can be counted on.
    const p = plan(d, [old, nu]);
    expect(p.update).toEqual([]);
  });

  it("removes unhealthy old replicas first", () => {
    const d = deployment({ image: "web:v2", maxSurge: 0, maxUnavailable: 1 });
    const old = rsFor(d, "web:v1", 10, { available: 7, revision: 1 });
    const nu = rsFor(d, "web:v2", 0, { revision: 2, created: 50 });
    // all=10, minAvailable=9: maxScaledDown = 10 - 9 - 0 = 1 unhealthy replica per step
    expect(sizes(plan(d, [old, nu]))).toEqual({ [old.metadata.name!]: 9 });
  });

  it("is complete when the new ReplicaSet is fully available, and cleans up history", () => {
    const d = deployment({ image: "web:v4", revisionHistoryLimit: 1, status: { observedGeneration: 1, replicas: 10, updatedReplicas: 10, availableReplicas: 10 } });
    const r1 = rsFor(d, "web:v1", 0, { revision: 1 });
    const r2 = rsFor(d, "web:v2", 0, { revision: 2, created: 10 });
    const r3 = rsFor(d, "web:v3", 0, { revision: 3, created: 20 });
    const r4 = rsFor(d, "web:v4", 10, { revision: 4, created: 30 });
    const p = plan(d, [r1, r2, r3, r4]);
    expect(p.delete.map((r) => r.metadata.name)).toEqual([r1.metadata.name, r2.metadata.name]);
    const prog = p.status.conditions?.find((c) => c.type === "Progressing");
    expect(prog).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${r4.metadata.name}" has successfully progressed.` });
    expect(p.status.conditions?.find((c) => c.type === "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
    expect(p.status).toMatchObject({ replicas: 10, updatedReplicas: 10, availableReplicas: 10, unavailableReplicas: 0, observedGeneration: 1 });
  });

  it("rollback reuses the old ReplicaSet and gives it the next revision", () => {
    const d = deployment({ image: "web:v1" });
    const r1 = rsFor(d, "web:v1", 0, { revision: 1 });
    const r2 = rsFor(d, "web:v2", 10, { revision: 2, created: 10 });
    const p = plan(d, [r1, r2]);
    expect(p.create).toBeUndefined();
    const reused = p.update.find((r) => r.metadata.name === r1.metadata.name);
    expect(reused?.metadata.annotations?.[REVISION_ANNOTATION]).toBe("3");
    expect(reused?.metadata.annotations?.["deployment.kubernetes.io/revision-history"]).toBe("1");
    expect(reused?.spec.replicas).toBe(3);
    expect(p.deploymentAnnotations).toEqual({ [REVISION_ANNOTATION]: "3" });
  });

  it("a replicas-only change makes no new ReplicaSet and scales the active one", () => {
    const d = deployment({ replicas: 15 });
    const r1 = rsFor(deployment({}), "web:v1", 10);
    const p = plan(d, [r1]);
    expect(p.create).toBeUndefined();
    expect(sizes(p)).toEqual({ [r1.metadata.name!]: 15 });
    expect(p.update[0].metadata.annotations?.["deployment.kubernetes.io/desired-replicas"]).toBe("15");
    expect(p.events[0].message).toBe(`Scaled up replica set ${r1.metadata.name} to 15`);
  });

  it("scales proportionally mid-rollout", () => {
    const d = deployment({ replicas: 20, image: "web:v2" });
    const old = rsFor(d, "web:v1", 8, { revision: 1 });
    const nu = rsFor(d, "web:v2", 5, { revision: 2, created: 10, available: 0 });
    for (const rs of [old, nu]) rs.metadata.annotations!["deployment.kubernetes.io/desired-replicas"] = "10";
    // max-replicas annotation 13 (10 + 3); now allowed = 20 + 5 = 25
    const s = proportionalScale(d, [old, nu]);
    expect([...s.values()].reduce((a, b) => a + b, 0)).toBe(25);
    expect(s.get(old.metadata.name!)).toBe(15);
    expect(s.get(nu.metadata.name!)).toBe(10);
    const p = plan(d, [old, nu]);
    expect(sizes(p)).toEqual({ [old.metadata.name!]: 15, [nu.metadata.name!]: 10 });
  });

  it("paused: no new ReplicaSet, Progressing=Unknown DeploymentPaused, scaling still works", () => {
    const d = deployment({ image: "web:v2", paused: true, replicas: 12 });
    const r1 = rsFor(d, "web:v1", 10);
    const p = plan(d, [r1]);
    expect(p.create).toBeUndefined();
    expect(sizes(p)).toEqual({ [r1.metadata.name!]: 12 });
    expect(p.status.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "Unknown", reason: "DeploymentPaused" });
    const resumed = deployment({ image: "web:v2", replicas: 12, status: p.status });
    const q = plan(resumed, [{ ...r1, spec: { ...r1.spec, replicas: 12 }, metadata: p.update[0].metadata }]);
    expect(q.create).toBeDefined();
  });

  it("reports ProgressDeadlineExceeded once the deadline passes without progress", () => {
    const d = deployment({
      image: "web:v2",
      progressDeadlineSeconds: 30,
      status: { observedGeneration: 1, replicas: 13, updatedReplicas: 3, readyReplicas: 10, availableReplicas: 10, conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", lastUpdateTime: iso(0), lastTransitionTime: iso(0) }] },
    });
    const old = rsFor(d, "web:v1", 10, { revision: 1 });
    const nu = rsFor(d, "web:v2", 3, { revision: 2, available: 0, created: 1 });
    const early = plan(d, [old, nu], [], 20);
    expect(early.status.conditions?.find((c) => c.type === "Progressing")?.reason).toBe("ReplicaSetUpdated");
    expect(early.requeueAfterMs).toBe(10_100);
    const late = plan(d, [old, nu], [], 31);
    expect(late.status.conditions?.find((c) => c.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${nu.metadata.name}" has timed out progressing.` });
    expect(late.events.map((e) => e.reason)).toContain("ProgressDeadlineExceeded");
  });

  it("adopts orphan ReplicaSets and releases ones that stopped matching", () => {
    const d = deployment({});
    const orphan = rsFor(d, "web:v1", 10);
    orphan.metadata.ownerReferences = [];
    const stray = rsFor(d, "web:v0", 0);
    stray.metadata.name = "stray";
    stray.metadata.labels = { app: "other" };
    const p = plan(d, [orphan, stray]);
    expect(p.adopt.map((r) => r.metadata.name)).toEqual([orphan.metadata.name]);
    expect(p.release.map((r) => r.metadata.name)).toEqual(["stray"]);
    expect(p.create).toBeUndefined();
  });
});

describe("planDeployment: Recreate", () => {
  const d = deployment({ image: "web:v2", strategy: "Recreate" });
  it("scales old to zero first", () => {
    const old = rsFor(d, "web:v1", 10);
    const p = plan(d, [old]);
    expect(sizes(p)).toEqual({ [old.metadata.name!]: 0 });
    expect(p.create).toBeUndefined();
  });
  it("waits while old pods exist", () => {
    const old = rsFor(d, "web:v1", 0, { statusReplicas: 0 });
    const oldPod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", deletionTimestamp: iso(1), ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: old.metadata.uid!, controller: true }] }, spec: { containers: [] }, status: { phase: "Running" } } as Pod;
    expect(plan(d, [old], [oldPod]).create).toBeUndefined();
  });
  it("then creates the new ReplicaSet at full size", () => {
    const old = rsFor(d, "web:v1", 0, { statusReplicas: 0 });
    expect(plan(d, [old]).create?.spec.replicas).toBe(10);
  });
});

/**
 * A whole rollout against a model of the world where every ReplicaSet's pods appear (and become
 * available) one step after it is scaled: the invariants must hold at every step.
 */
describe("planDeployment: simulated rollout", () => {
  for (const [surge, unavail] of [["25%", "25%"], [0, 1], [1, 0], ["50%", "0%"]] as const) {
    it(`maxSurge=${surge} maxUnavailable=${unavail} stays within bounds and completes`, () => {
      let d = deployment({ replicas: 10, image: "web:v2", maxSurge: surge, maxUnavailable: unavail });
      const { maxSurge, maxUnavailable } = resolveFenceposts(d);
      let rss: ReplicaSet[] = [rsFor(d, "web:v1", 10)];
      let done = false;
      for (let step = 0; step < 100 && !done; step++) {
        const p = plan(d, rss, [], 100 + step);
        if (p.create) rss.push({ ...structuredClone(p.create), metadata: { ...p.create.metadata, uid: `u${step}`, creationTimestamp: iso(step + 1), generation: 1 }, status: { replicas: 0, availableReplicas: 0 } });
        for (const u of p.update) rss = rss.map((r) => (r.metadata.name === u.metadata.name ? { ...u, status: r.status } : r));
        rss = rss.filter((r) => !p.delete.some((x) => x.metadata.name === r.metadata.name));
        d = { ...d, status: p.status };
        // The world catches up: pods of each RS match its spec; new ones available at once.
        const total = rss.reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
        const avail = rss.reduce((n, r) => n + Math.min(r.spec.replicas ?? 0, r.status?.availableReplicas ?? 0), 0);
        expect(total).toBeLessThanOrEqual(10 + maxSurge);
        expect(avail).toBeGreaterThanOrEqual(10 - maxUnavailable);
        rss = rss.map((r) => ({ ...r, status: { replicas: r.spec.replicas ?? 0, readyReplicas: r.spec.replicas, availableReplicas: r.spec.replicas, observedGeneration: 1 } }));
        done = p.status.conditions?.some((c) => c.reason === "NewReplicaSetAvailable") ?? false;
      }
      expect(done).toBe(true);
      const news = rss.filter((r) => r.spec.template.spec.containers[0].image === "web:v2");
      expect(news.map((r) => r.spec.replicas)).toEqual([10]);
    });
  }
});
