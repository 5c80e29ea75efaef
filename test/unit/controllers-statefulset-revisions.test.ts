import { describe, expect, it } from "vitest";
import { currentRevisionOf, newRevision, nextRevisionNumber, planUpdateRevision, revisionsToTrim } from "../../controllers/statefulset/revisions.js";
import { fnv32, revisionHash, templateOfRevision, templatePatch } from "../../lib/controller-revisions.js";
import { SAFE_ALPHABET } from "../../lib/pod-template-hash.js";
import { revision, statefulSet, stsPod, template } from "./controllers-statefulset-fixtures.js";

const withImage = (image: string, o: Parameters<typeof statefulSet>[1] = {}) => statefulSet({ template: template(image) }, o);

describe("ControllerRevision wire format", () => {
  it("data is the template as a strategic-merge $patch: replace, and reads back", () => {
    const t = template("db:v1");
    expect(templatePatch(t)).toEqual({ spec: { template: { $patch: "replace", metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "db:v1" }] } } } });
    const r = newRevision(withImage("db:v1"), 1, 0);
    expect(templateOfRevision(r)).toEqual(t);
  });

  it("data that is not a template patch gives no template", () => {
    const r = newRevision(withImage("db:v1"), 1, 0);
    expect(templateOfRevision({ ...r, data: { spec: {} } })).toBeUndefined();
    expect(templateOfRevision({ ...r, data: "x" })).toBeUndefined();
  });

  it("FNV-1 32 (not 1a): the published test vectors", () => {
    expect(fnv32("")).toBe(0x811c9dc5);
    expect(fnv32("a")).toBe(0x050c5d7e);
    expect(fnv32("foobar")).toBe(0x31f0b262);
  });

  it("a revision is named <set>-<hash>, labelled with the template's labels and the hash, owned by the set, with its annotations", () => {
    const s = withImage("db:v1");
    s.metadata.annotations = { "kubernetes.io/change-cause": "first" };
    const r = newRevision(s, 3, 0);
    const hash = revisionHash(r.data, 0);
    expect(hash).toMatch(new RegExp(`^[${SAFE_ALPHABET}]+$`));
    expect(r.metadata.name).toBe(`db-${hash}`);
    expect(r.metadata.labels).toEqual({ app: "db", "controller-revision-hash": hash });
    expect(r.metadata.annotations).toEqual({ "kubernetes.io/change-cause": "first" });
    expect(r.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "db", controller: true });
    expect(r.revision).toBe(3);
  });

  it("the hash is stable across key order and changes with the template and the collision count", () => {
    const a = newRevision(withImage("db:v1"), 1, 0);
    const reordered = withImage("db:v1");
    reordered.spec.template = { spec: { containers: [{ image: "db:v1", name: "db" }] }, metadata: { labels: { app: "db" } } };
    expect(newRevision(reordered, 1, 0).metadata.name).toBe(a.metadata.name);
    expect(newRevision(withImage("db:v2"), 1, 0).metadata.name).not.toBe(a.metadata.name);
    expect(newRevision(withImage("db:v1"), 1, 1).metadata.name).not.toBe(a.metadata.name);
  });
});

describe("planUpdateRevision", () => {
  const base = statefulSet();
  const v1 = revision(base, "db:v1", 1);
  const v2 = revision(base, "db:v2", 2);

  it("no history: create revision 1", () => {
    const step = planUpdateRevision(withImage("db:v1"), []);
    expect(step.type).toBe("create");
    expect(step.revision.revision).toBe(1);
  });
  it("template unchanged: the newest revision", () => {
    expect(planUpdateRevision(withImage("db:v2"), [v1, v2])).toEqual({ type: "existing", revision: v2 });
  });
  it("a new template: create revision newest + 1", () => {
    const step = planUpdateRevision(withImage("db:v3"), [v1, v2]);
    expect(step.type).toBe("create");
    expect(step.revision.revision).toBe(3);
  });
  it("back to an older template (undo): renumber that revision", () => {
    expect(planUpdateRevision(withImage("db:v1"), [v2, v1])).toEqual({ type: "renumber", revision: v1, to: 3 });
  });
  it("status.collisionCount names the new revision", () => {
    const step = planUpdateRevision(withImage("db:v3", { status: { replicas: 0, collisionCount: 2 } }), []);
    expect(step.revision.metadata.name).toBe(newRevision(withImage("db:v3"), 1, 2).metadata.name);
  });
  it("next revision number and the current revision", () => {
    expect(nextRevisionNumber([v2, v1])).toBe(3);
    expect(currentRevisionOf(withImage("db:v2", { status: { replicas: 0, currentRevision: v1.metadata.name } }), [v1, v2], v2)).toBe(v1);
    expect(currentRevisionOf(withImage("db:v2"), [v1, v2], v2)).toBe(v2);
  });
});

describe("revisionsToTrim", () => {
  const base = statefulSet();
  const revs = [1, 2, 3, 4, 5].map((n) => revision(base, `db:v${n}`, n));
  const names = (rs: { metadata: { name?: string } }[]) => rs.map((r) => r.metadata.name);

  const cases = [
    { name: "within the limit: nothing", limit: 10, pods: [], want: [] as number[] },
    { name: "oldest first beyond the limit", limit: 1, pods: [], want: [1, 2] },
    { name: "a revision a pod still runs is kept", limit: 1, pods: [stsPod({ ordinal: 0, rev: revs[0] })], want: [2] },
    { name: "limit 0 keeps only live ones", limit: 0, pods: [], want: [1, 2, 3] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = statefulSet({ revisionHistoryLimit: c.limit });
      // current = 4, update = 5: never trimmed
      const out = revisionsToTrim(s, [...revs].reverse(), c.pods, revs[3].metadata.name ?? "", revs[4].metadata.name ?? "");
      expect(names(out)).toEqual(names(c.want.map((n) => revs[n - 1])));
    });
  }
});
