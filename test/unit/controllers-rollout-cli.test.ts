import { describe, expect, it } from "vitest";
import { historyRows, planUndo, rolloutStatus } from "../../lib/rollout.js";
import { computeTemplateHash } from "../../lib/pod-template-hash.js";
import { newReplicaSetFor } from "../../controllers/deployment/plan.js";
import { applyImages, parseImagePairs } from "../../cli/commands/set-image.js";
import { parseWorkloadArg } from "../../cli/workload-args.js";
import type { Deployment, ReplicaSet } from "../../lib/types.js";
import { deployment } from "./controllers-fixtures.js";

describe("rolloutStatus (kubectl's lines)", () => {
  const d = (status: Deployment["status"], generation = 1) => deployment({ replicas: 5, generation, status });
  const cases: [string, Deployment, string, boolean][] = [
    ["spec not observed", d({ observedGeneration: 1 }, 2), "Waiting for deployment spec update to be observed...", false],
    ["updating", d({ observedGeneration: 1, updatedReplicas: 2, replicas: 6 }), 'Waiting for deployment "web" rollout to finish: 2 out of 5 new replicas have been updated...', false],
    ["old pending", d({ observedGeneration: 1, updatedReplicas: 5, replicas: 6, availableReplicas: 5 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...', false],
    ["available", d({ observedGeneration: 1, updatedReplicas: 5, replicas: 5, availableReplicas: 2 }), 'Waiting for deployment "web" rollout to finish: 2 of 5 updated replicas are available...', false],
    ["done", d({ observedGeneration: 1, updatedReplicas: 5, replicas: 5, availableReplicas: 5 }), 'deployment "web" successfully rolled out', true],
  ];
  for (const [name, dep, message, done] of cases) it(name, () => expect(rolloutStatus(dep)).toEqual({ message, done }));
  it("fails on ProgressDeadlineExceeded", () => {
    const s = rolloutStatus(d({ observedGeneration: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] }));
    expect(s.error).toBe('deployment "web" exceeded its progress deadline');
  });
});

describe("history and undo", () => {
  const cur = deployment({ image: "web:v3" });
  const rs = (image: string, revision: number, cause?: string): ReplicaSet => {
    const dd = deployment({ image });
    const r = newReplicaSetFor(dd, computeTemplateHash(dd.spec.template));
    r.metadata.annotations = { "deployment.kubernetes.io/revision": String(revision), ...(cause ? { "kubernetes.io/change-cause": cause } : {}) };
    return r;
  };
  const rss = [rs("web:v3", 3, "v3 please"), rs("web:v1", 1), rs("web:v2", 2)];
  const foreign = rs("web:v9", 9);
  foreign.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: "Deployment", name: "other", uid: "other", controller: true }];
  it("lists owned revisions in order with change causes", () => {
    expect(historyRows(cur, [...rss, foreign])).toEqual([
      { revision: 1, changeCause: "<none>" },
      { revision: 2, changeCause: "<none>" },
      { revision: 3, changeCause: "v3 please" },
    ]);
  });
  it("undo picks the previous revision by default, or the one asked for", () => {
    const prev = planUndo(cur, rss);
    expect(prev).toMatchObject({ type: "rollback", revision: 2 });
    if (prev.type === "rollback") {
      expect(prev.template.spec.containers[0].image).toBe("web:v2");
      expect(prev.template.metadata?.labels?.["pod-template-hash"]).toBeUndefined();
    }
    expect(planUndo(cur, rss, 1)).toMatchObject({ type: "rollback", revision: 1 });
    expect(planUndo(cur, rss, 3)).toEqual({ type: "skip", revision: 3 });
    expect(planUndo(cur, rss, 7)).toEqual({ type: "error", message: "unable to find specified revision 7 in history" });
    expect(planUndo(cur, [rss[0]])).toEqual({ type: "error", message: 'no rollout history found for deployment "web"' });
    expect(planUndo(deployment({ paused: true }), rss).type).toBe("error");
  });
});

describe("set image and workload arguments", () => {
  it("parses pairs and updates named containers (or all with *)", () => {
    const spec = { containers: [{ name: "web", image: "a" }, { name: "side", image: "b" }] };
    expect(applyImages(spec, parseImagePairs(["web=x"])).containers.map((c) => c.image)).toEqual(["x", "b"]);
    expect(applyImages(spec, parseImagePairs(["*=y"])).containers.map((c) => c.image)).toEqual(["y", "y"]);
    expect(applyImages(spec, parseImagePairs(["web=a"])).changed).toBe(false);
    expect(() => applyImages(spec, parseImagePairs(["db=x"]))).toThrow('unable to find container named "db"');
    expect(() => parseImagePairs(["web"])).toThrow(/CONTAINER=IMAGE/);
  });
  it("accepts TYPE/NAME and TYPE NAME, only for allowed kinds", () => {
    expect(parseWorkloadArg(["deploy/web"], ["Deployment"], "scale")).toMatchObject({ name: "web", resource: { kind: "Deployment" } });
    expect(parseWorkloadArg(["replicasets", "web-1"], ["Deployment", "ReplicaSet"], "scale")).toMatchObject({ name: "web-1", resource: { kind: "ReplicaSet" } });
    expect(() => parseWorkloadArg(["svc/web"], ["Deployment"], "scale")).toThrow(/cannot scale a Service/);
    expect(() => parseWorkloadArg(["web"], ["Deployment"], "scale")).toThrow(/TYPE\/NAME/);
  });
});
