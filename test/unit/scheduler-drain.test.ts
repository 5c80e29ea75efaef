import { describe, expect, it } from "vitest";
import { planDrain } from "../../cli/commands/cordon.js";
import type { Pod } from "../../lib/types.js";
import { makePod } from "../helpers/builders.js";

const owned = (name: string, kind = "ReplicaSet"): Pod => {
  const p = makePod(name, { owner: "x" });
  p.metadata.ownerReferences![0].kind = kind;
  return p;
};
const names = (ps: Pod[]) => ps.map((p) => p.metadata.name);

describe("drain plan (kubectl's classification)", () => {
  it("controller-managed pods are deleted without flags", () => {
    const plan = planDrain([owned("a"), owned("b")], {});
    expect(plan).toEqual({ toDelete: plan.toDelete, errors: [], warnings: [] });
    expect(names(plan.toDelete)).toEqual(["a", "b"]);
  });

  it("pods with no controller need --force", () => {
    expect(planDrain([owned("a"), makePod("lone")], {}).errors).toEqual([
      "cannot delete Pods that declare no controller (use --force to override): default/lone",
    ]);
    const forced = planDrain([owned("a"), makePod("lone")], { force: true });
    expect(forced.errors).toEqual([]);
    expect(forced.warnings).toEqual(["deleting Pods that declare no controller: default/lone"]);
    expect(names(forced.toDelete)).toEqual(["a", "lone"]);
  });

  it("DaemonSet pods need --ignore-daemonsets and are never deleted", () => {
    expect(planDrain([owned("ds", "DaemonSet")], {}).errors).toEqual([
      "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds",
    ]);
    const ok = planDrain([owned("ds", "DaemonSet"), owned("a")], { ignoreDaemonsets: true });
    expect(ok.errors).toEqual([]);
    expect(names(ok.toDelete)).toEqual(["a"]);
  });

  it("emptyDir pods need --delete-emptydir-data", () => {
    const p = owned("cache");
    p.spec.volumes = [{ name: "scratch", emptyDir: {} }];
    expect(planDrain([p], {}).errors[0]).toMatch(/^cannot delete Pods with local storage \(use --delete-emptydir-data to override\): default\/cache$/);
    expect(planDrain([p], { deleteEmptydirData: true }).errors).toEqual([]);
  });

  it("finished pods, pods already terminating and mirror pods", () => {
    const done = { ...makePod("done"), status: { phase: "Succeeded" as const } };
    const going = { ...makePod("going"), metadata: { ...makePod("going").metadata, deletionTimestamp: "2026-01-01T00:00:00Z" } };
    const mirror = { ...makePod("static"), metadata: { ...makePod("static").metadata, annotations: { "kubernetes.io/config.mirror": "x" } } };
    const plan = planDrain([done, going, mirror], {});
    expect(plan.errors).toEqual([]);
    expect(names(plan.toDelete)).toEqual(["done", "going"]);
  });
});
