import { describe, expect, it } from "vitest";
import { planStatefulSetUndo, statefulSetHistoryRows, statefulSetRolloutStatus } from "../../lib/rollout.js";
import type { StatefulSet, StatefulSetSpec, StatefulSetStatus } from "../../lib/types.js";
import { revision, statefulSet, template } from "./controllers-statefulset-fixtures.js";

const sts = (status: Partial<StatefulSetStatus>, spec: Partial<StatefulSetSpec> = {}, generation = 2): StatefulSet => statefulSet(spec, { generation, status: { replicas: 3, ...status } });
const partitioned = (partition: number): Partial<StatefulSetSpec> => ({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition, maxUnavailable: 1 } } });

describe("statefulSetRolloutStatus (kubectl's StatefulSetStatusViewer)", () => {
  const cases: [string, StatefulSet, string, boolean][] = [
    ["not observed", sts({ observedGeneration: 1 }), "Waiting for statefulset spec update to be observed...", false],
    ["never observed", sts({}), "Waiting for statefulset spec update to be observed...", false],
    ["pods not ready", sts({ observedGeneration: 2, readyReplicas: 1 }), "Waiting for 2 pods to be ready...", false],
    ["partition 0, done", sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 3 }), "partitioned roll out complete: 3 new pods have been updated...", true],
    ["partition 0, updating", sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }), "Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...", false],
    ["partition 2, done with one pod", sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1 }, partitioned(2)), "partitioned roll out complete: 1 new pods have been updated...", true],
    [
      "no rollingUpdate block: revisions compared",
      sts({ observedGeneration: 2, readyReplicas: 3, updatedReplicas: 2, currentRevision: "db-a", updateRevision: "db-b" }, { updateStrategy: { type: "RollingUpdate" } }),
      "waiting for statefulset rolling update to complete 2 pods at revision db-b...",
      false,
    ],
    [
      "no rollingUpdate block: complete",
      sts({ observedGeneration: 2, readyReplicas: 3, currentReplicas: 3, currentRevision: "db-b", updateRevision: "db-b" }, { updateStrategy: { type: "RollingUpdate" } }),
      "statefulset rolling update complete 3 pods at revision db-b...",
      true,
    ],
  ];
  for (const [name, s, message, done] of cases) it(name, () => expect(statefulSetRolloutStatus(s)).toEqual({ message, done }));

  it("OnDelete has no rollout status", () => {
    expect(statefulSetRolloutStatus(sts({ observedGeneration: 2 }, { updateStrategy: { type: "OnDelete" } })).error).toBe("rollout status is only available for RollingUpdate strategy type");
  });
});

describe("StatefulSet history and undo", () => {
  const base = statefulSet();
  const r1 = revision(base, "db:v1", 1);
  const r2 = revision(base, "db:v2", 2);
  r2.metadata.annotations = { "kubernetes.io/change-cause": "to v2" };
  const foreign = { ...revision(base, "db:v9", 3), metadata: { ...revision(base, "db:v9", 3).metadata, ownerReferences: [] } };
  const at = (image: string) => statefulSet({ template: template(image) });

  it("history lists the revisions the set controls, oldest first, with change-cause", () => {
    expect(statefulSetHistoryRows(at("db:v2"), [r2, foreign, r1])).toEqual([
      { revision: 1, changeCause: "<none>" },
      { revision: 2, changeCause: "to v2" },
    ]);
  });

  const cases: [string, StatefulSet, number, ReturnType<typeof planStatefulSetUndo>][] = [
    ["default: the revision before the newest", at("db:v2"), 0, { type: "rollback", patch: r1.data, revision: 1 }],
    ["--to-revision=2 when already there: skipped", at("db:v2"), 2, { type: "skip", revision: 2 }],
    ["a missing revision", at("db:v2"), 7, { type: "error", message: "unable to find specified revision 7 in history" }],
  ];
  for (const [name, s, to, want] of cases) it(name, () => expect(planStatefulSetUndo(s, [r1, r2, foreign], to)).toEqual(want));

  it("no previous revision", () => {
    expect(planStatefulSetUndo(at("db:v1"), [r1], 0)).toEqual({ type: "error", message: "no last revision to roll back to" });
  });
});
