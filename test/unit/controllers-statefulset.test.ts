import { describe, expect, it } from "vitest";
import { claimsFor, isMemberOf, newPod, ordinalOf } from "../../controllers/statefulset/identity.js";
import { completeRollingUpdate, statusChanged } from "../../controllers/statefulset/plan.js";
import { claimIsStale, retentionOwnerRefs } from "../../controllers/statefulset/retention.js";
import type { Pod } from "../../lib/types.js";
import { claim, created, deleted, plan, revision, SET_UID, statefulSet, stsPod, template } from "./controllers-statefulset-fixtures.js";

const set = statefulSet();
const v1 = revision(set, "db:v1", 1);
const v2 = revision(set, "db:v2", 2);
const ready = (ordinal: number, rev = v1) => stsPod({ ordinal, rev });

describe("planStatefulSet: OrderedReady creation", () => {
  const cases: { name: string; pods: Pod[]; create: string[]; claims: string[] }[] = [
    { name: "creates db-0 (and its claim) first", pods: [], create: ["db-0"], claims: ["data-db-0"] },
    { name: "waits while db-0 is Pending", pods: [stsPod({ ordinal: 0, rev: v1, phase: "Pending" })], create: [], claims: ["data-db-0"] },
    { name: "waits while db-0 is Running but not Ready", pods: [stsPod({ ordinal: 0, rev: v1, ready: false })], create: [], claims: ["data-db-0"] },
    { name: "creates db-1 once db-0 is Running and Ready", pods: [ready(0)], create: ["db-1"], claims: ["data-db-0", "data-db-1"] },
    { name: "fills a hole at db-1 before db-2", pods: [ready(0), ready(2)], create: ["db-1"], claims: ["data-db-0", "data-db-1", "data-db-2"] },
    { name: "waits for a terminating db-0 before anything", pods: [stsPod({ ordinal: 0, rev: v1, deleting: true })], create: [], claims: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const existing = c.claims.filter((n) => !c.create.some((p) => n.endsWith(p))).map((n) => claim(Number(n.slice(-1))));
      const p = plan(set, c.pods, { cur: v1, claims: existing });
      expect(created(p)).toEqual(c.create);
      expect(p.createClaims.map((x) => x.claim.metadata.name)).toEqual(c.create.map((n) => `data-${n}`));
      expect(p.deletePods).toEqual([]);
    });
  }

  it("creates a missing claim of a Pending pod", () => {
    const p = plan(set, [stsPod({ ordinal: 0, rev: v1, phase: "Pending" })], { cur: v1 });
    expect(p.createClaims.map((x) => [x.claim.metadata.name, x.pod])).toEqual([["data-db-0", "db-0"]]);
    expect(created(p)).toEqual([]);
  });

  it("Parallel creates every missing pod at once", () => {
    const p = plan(statefulSet({ podManagementPolicy: "Parallel" }), [stsPod({ ordinal: 1, rev: v1, phase: "Pending" })], { cur: v1, claims: [claim(1)] });
    expect(created(p)).toEqual(["db-0", "db-2"]);
  });

  it("starts at spec.ordinals.start", () => {
    const p = plan(statefulSet({ ordinals: { start: 5 }, replicas: 2 }), [], { cur: v1 });
    expect(created(p)).toEqual(["db-5"]);
  });

  it("does nothing but status while the set is being deleted", () => {
    const p = plan(statefulSet({}, { deleting: true }), [ready(0)], { cur: v1 });
    expect(created(p)).toEqual([]);
    expect(p.status.replicas).toBe(1);
  });
});

describe("the pods and claims a set makes", () => {
  it("a pod has the identity, DNS names, revision label, owner and claim volumes", () => {
    const s = statefulSet({ template: { ...template(), spec: { containers: [{ name: "db", image: "db:v1" }], volumes: [{ name: "data", emptyDir: {} }, { name: "scratch", emptyDir: {} }] } } });
    const pod = newPod(s, s.spec.template, "db-abc", 2);
    expect(pod.metadata.name).toBe("db-2");
    expect(pod.metadata.labels).toEqual({ app: "db", "statefulset.kubernetes.io/pod-name": "db-2", "apps.kubernetes.io/pod-index": "2", "controller-revision-hash": "db-abc" });
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: SET_UID, controller: true, blockOwnerDeletion: true }]);
    expect(pod.spec.hostname).toBe("db-2");
    expect(pod.spec.subdomain).toBe("db");
    // The claim volume replaces the template's volume of the same name; others stay.
    expect(pod.spec.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "data-db-2" } }, { name: "scratch", emptyDir: {} }]);
  });

  it("no serviceName: no subdomain", () => {
    const s = statefulSet({ serviceName: "" });
    expect(newPod(s, s.spec.template, "r", 0).spec.subdomain).toBeUndefined();
  });

  it("a claim is named <template>-<set>-<ordinal> and labelled with the template's and the selector's labels", () => {
    const [c] = claimsFor(set, 4);
    expect(c.metadata).toEqual({ name: "data-db-4", namespace: "default", labels: { tier: "storage", app: "db" } });
    expect(c.spec.resources?.requests?.storage).toBe("1Gi");
  });

  it("ordinals and membership come from the name", () => {
    expect(ordinalOf(stsPod({ ordinal: 12, rev: v1 }))).toBe(12);
    const other: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "db-x" }, spec: { containers: [] } };
    expect(ordinalOf(other)).toBe(-1);
    expect(isMemberOf(set, stsPod({ ordinal: 1, rev: v1 }))).toBe(true);
    expect(isMemberOf(set, { ...other, metadata: { name: "dbx-1" } })).toBe(false);
  });

  it("a pod missing its identity labels is relabelled", () => {
    const pod = ready(0);
    delete pod.metadata.labels?.["apps.kubernetes.io/pod-index"];
    const p = plan(statefulSet({ replicas: 1 }), [pod], { cur: v1, claims: [claim(0)] });
    expect(p.relabelPods.map((r) => [r.pod.metadata.name, r.labels])).toEqual([["db-0", { "statefulset.kubernetes.io/pod-name": "db-0", "apps.kubernetes.io/pod-index": "0" }]]);
  });
});

describe("planStatefulSet: scale down", () => {
  const three = [ready(0), ready(1), ready(2)];
  const cases: { name: string; set: ReturnType<typeof statefulSet>; pods: Pod[]; del: string[] }[] = [
    { name: "deletes the highest ordinal first, one at a time", set: statefulSet({ replicas: 1 }), pods: three, del: ["db-2"] },
    { name: "waits for db-2 to be gone before db-1", set: statefulSet({ replicas: 1 }), pods: [ready(0), ready(1), stsPod({ ordinal: 2, rev: v1, deleting: true })], del: [] },
    { name: "never while a lower pod is unhealthy", set: statefulSet({ replicas: 1 }), pods: [stsPod({ ordinal: 0, rev: v1, ready: false }), ready(1), ready(2)], del: [] },
    { name: "an unhealthy condemned pod that is the first unhealthy one goes", set: statefulSet({ replicas: 1 }), pods: [ready(0), ready(1), stsPod({ ordinal: 2, rev: v1, ready: false })], del: ["db-2"] },
    { name: "a not-ready db-1 (kept) blocks deleting a ready db-2", set: statefulSet({ replicas: 2 }), pods: [ready(0), stsPod({ ordinal: 1, rev: v1, ready: false }), ready(2)], del: [] },
    { name: "Parallel deletes all condemned at once", set: statefulSet({ replicas: 1, podManagementPolicy: "Parallel" }), pods: three, del: ["db-2", "db-1"] },
    { name: "to zero, still highest first", set: statefulSet({ replicas: 0 }), pods: three, del: ["db-2"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.set, c.pods, { cur: v1, claims: [claim(0), claim(1), claim(2)] });
      expect(deleted(p)).toEqual(c.del);
      expect(created(p)).toEqual([]);
    });
  }
});

describe("planStatefulSet: failed pods", () => {
  it("a Failed pod is deleted and the next ordinals wait (OrderedReady)", () => {
    const p = plan(set, [ready(0), stsPod({ ordinal: 1, rev: v1, phase: "Failed" })], { cur: v1, claims: [claim(0), claim(1)] });
    expect(deleted(p)).toEqual(["db-1"]);
    expect(p.deletePods[0].why).toBe("finished");
    expect(created(p)).toEqual([]);
  });
  it("a Succeeded pod too; Parallel goes on creating the others", () => {
    const p = plan(statefulSet({ podManagementPolicy: "Parallel" }), [stsPod({ ordinal: 0, rev: v1, phase: "Succeeded" })], { cur: v1, claims: [claim(0)] });
    expect(deleted(p)).toEqual(["db-0"]);
    expect(created(p)).toEqual(["db-1", "db-2"]);
  });
  it("a Failed pod already being deleted is left to go", () => {
    const p = plan(set, [stsPod({ ordinal: 0, rev: v1, phase: "Failed", deleting: true })], { cur: v1, claims: [claim(0)] });
    expect(deleted(p)).toEqual([]);
    expect(created(p)).toEqual([]);
  });
});

describe("planStatefulSet: rolling update", () => {
  const cases: { name: string; set: ReturnType<typeof statefulSet>; pods: Pod[]; del: string[]; currentReplicas: number }[] = [
    { name: "deletes the highest ordinal not at the update revision", set, pods: [ready(0), ready(1), ready(2)], del: ["db-2"], currentReplicas: 2 },
    { name: "then the next one down", set, pods: [ready(0), ready(1), ready(2, v2)], del: ["db-1"], currentReplicas: 1 },
    { name: "waits for the replacement to be ready", set, pods: [ready(0), ready(1), stsPod({ ordinal: 2, rev: v2, ready: false })], del: [], currentReplicas: 2 },
    { name: "partition 2 only updates db-2", set: statefulSet({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2, maxUnavailable: 1 } } }), pods: [ready(0), ready(1), ready(2, v2)], del: [], currentReplicas: 2 },
    {
      name: "maxUnavailable 2 (Parallel) deletes two at once",
      set: statefulSet({ podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 2 } } }),
      pods: [ready(0), ready(1), ready(2)],
      del: ["db-2", "db-1"],
      currentReplicas: 1,
    },
    {
      name: "maxUnavailable counts pods already down",
      set: statefulSet({ podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 2 } } }),
      pods: [ready(0), ready(1), stsPod({ ordinal: 2, rev: v2, ready: false })],
      del: ["db-1"],
      currentReplicas: 1,
    },
    { name: "OnDelete never deletes for an update", set: statefulSet({ updateStrategy: { type: "OnDelete" } }), pods: [ready(0), ready(1), ready(2)], del: [], currentReplicas: 3 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.set, c.pods, { cur: v1, upd: v2, claims: [claim(0), claim(1), claim(2)] });
      expect(deleted(p)).toEqual(c.del);
      expect(p.deletePods.every((d) => d.why === "update")).toBe(true);
      expect(p.status.currentReplicas).toBe(c.currentReplicas);
    });
  }

  it("a pod recreated below the partition gets the current revision, above it the update revision", () => {
    const s = statefulSet({ podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1, maxUnavailable: 1 } } });
    const p = plan(s, [], { cur: v1, upd: v2 });
    expect(p.createPods.map((x) => [x.metadata.name, x.metadata.labels?.["controller-revision-hash"], x.spec.containers[0].image])).toEqual([
      ["db-0", v1.metadata.name, "db:v1"],
      ["db-1", v2.metadata.name, "db:v2"],
      ["db-2", v2.metadata.name, "db:v2"],
    ]);
  });

  it("OnDelete: a pod deleted by hand comes back at the update revision", () => {
    const p = plan(statefulSet({ updateStrategy: { type: "OnDelete" } }), [ready(0), ready(2)], { cur: v1, upd: v2, claims: [claim(0), claim(1), claim(2)] });
    expect(p.createPods.map((x) => [x.metadata.name, x.spec.containers[0].image])).toEqual([["db-1", "db:v2"]]);
  });
});

describe("planStatefulSet: claim retention", () => {
  const podRef = (ordinal: number) => ({ apiVersion: "v1", kind: "Pod", name: `db-${ordinal}`, uid: `uid-db-${ordinal}` });
  const setRef = { apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: SET_UID };
  const owners = (whenDeleted: "Retain" | "Delete", whenScaled: "Retain" | "Delete") => {
    const s = statefulSet({ replicas: 1, persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });
    return { inRange: retentionOwnerRefs(s, claim(0), ready(0), true), condemned: retentionOwnerRefs(s, claim(2), ready(2), false) };
  };
  const cases = [
    { policy: ["Retain", "Retain"] as const, inRange: [], condemned: [] },
    { policy: ["Delete", "Retain"] as const, inRange: [setRef], condemned: [setRef] },
    { policy: ["Retain", "Delete"] as const, inRange: [], condemned: [podRef(2)] },
    { policy: ["Delete", "Delete"] as const, inRange: [setRef], condemned: [podRef(2)] },
  ];
  for (const c of cases) {
    it(`whenDeleted=${c.policy[0]} whenScaled=${c.policy[1]}`, () => {
      expect(owners(c.policy[0], c.policy[1])).toEqual({ inRange: c.inRange, condemned: c.condemned });
    });
  }

  it("a new claim carries the set reference when whenDeleted=Delete", () => {
    const p = plan(statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } }), [], { cur: v1 });
    expect(p.createClaims[0].claim.metadata.ownerReferences).toEqual([setRef]);
  });

  it("scale-down with whenScaled=Delete hands the claim to its pod before deleting the pod", () => {
    const s = statefulSet({ replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" } });
    const p = plan(s, [ready(0), ready(1), ready(2)], { cur: v1, claims: [claim(0), claim(1), claim(2)] });
    expect(p.claimOwners.map((c) => [c.claim.metadata.name, c.ownerReferences])).toEqual([["data-db-2", [podRef(2)]]]);
    expect(deleted(p)).toEqual(["db-2"]);
  });

  it("a claim still owned by an earlier pod of the same name blocks the new pod", () => {
    const stale = claim(0, { ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "db-0", uid: "old" }] });
    expect(claimIsStale(stale, "db-0", undefined)).toBe(true);
    const p = plan(statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" } }), [], { cur: v1, claims: [stale] });
    expect(created(p)).toEqual([]);
  });

  it("a claim being deleted blocks its pod with a warning", () => {
    const p = plan(set, [], { cur: v1, claims: [claim(0, { deleting: true })] });
    expect(created(p)).toEqual([]);
    expect(p.events).toEqual([{ type: "Warning", reason: "FailedCreate", message: expect.stringContaining("create Pod db-0 in StatefulSet db failed") }]);
  });

  it("other owners of a claim are kept", () => {
    const other = { apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "uid-x" };
    const s = statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } });
    expect(retentionOwnerRefs(s, claim(0, { ownerReferences: [other] }), ready(0), true)).toEqual([other, setRef]);
  });
});

describe("planStatefulSet: status", () => {
  it("counts replicas, ready, available (minReadySeconds), current and updated", () => {
    const s = statefulSet({ minReadySeconds: 10 });
    const pods = [stsPod({ ordinal: 0, rev: v1, readyAt: 50 }), stsPod({ ordinal: 1, rev: v2, readyAt: 95 }), stsPod({ ordinal: 2, rev: v2, phase: "Pending" })];
    const p = plan(s, pods, { cur: v1, upd: v2, claims: [claim(0), claim(1), claim(2)], now: 100 });
    expect(p.status).toMatchObject({ observedGeneration: 1, replicas: 3, readyReplicas: 2, availableReplicas: 1, currentReplicas: 1, updatedReplicas: 2, currentRevision: v1.metadata.name, updateRevision: v2.metadata.name, collisionCount: 0 });
    expect(p.requeueAfterMs).toBe(5000);
  });

  it("currentRevision becomes the update revision once every pod is updated and ready", () => {
    const p = plan(set, [ready(0, v2), ready(1, v2), ready(2, v2)], { cur: v1, upd: v2, claims: [claim(0), claim(1), claim(2)] });
    expect(p.status.currentRevision).toBe(v2.metadata.name);
    expect(p.status.currentReplicas).toBe(3);
  });

  it("not with a partition holding pods back, nor with OnDelete", () => {
    const done = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 0, currentRevision: "a", updateRevision: "b" };
    expect(completeRollingUpdate(statefulSet({ updateStrategy: { type: "OnDelete" } }), done).currentRevision).toBe("a");
    expect(completeRollingUpdate(set, { ...done, updatedReplicas: 2 }).currentRevision).toBe("a");
    expect(completeRollingUpdate(set, done).currentRevision).toBe("b");
  });

  it("statusChanged sees every field", () => {
    const s = statefulSet({}, { status: { replicas: 3, readyReplicas: 3, currentRevision: "a", updateRevision: "a", observedGeneration: 1, collisionCount: 0 } });
    expect(statusChanged(s, { replicas: 3, readyReplicas: 3, currentRevision: "a", updateRevision: "a", observedGeneration: 1, collisionCount: 0 })).toBe(false);
    expect(statusChanged(s, { replicas: 3, readyReplicas: 3, currentRevision: "a", updateRevision: "b", observedGeneration: 1 })).toBe(true);
    expect(statusChanged(s, { replicas: 3, readyReplicas: 3, currentRevision: "a", updateRevision: "a", observedGeneration: 2 })).toBe(true);
  });
});
