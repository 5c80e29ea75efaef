/** The pure parts of managedFields and server-side apply: field sets, what changed, the structural merge. */
import { describe, expect, it } from "vitest";
import { mergeApplied, removeFields } from "../../apiserver/fieldmanager/apply.js";
import { FieldSet, pathString } from "../../apiserver/fieldmanager/field-set.js";
import { changesBetween, fieldsOf } from "../../apiserver/fieldmanager/object-fields.js";
import { schemaOfKind } from "../../lib/schema/index.js";

const pod = schemaOfKind("Pod")!;
const spec = (containers: unknown[], extra: Record<string, unknown> = {}) => ({ spec: { containers, ...extra } });

describe("FieldSet", () => {
  it("round-trips FieldsV1, members with children marked by '.'", () => {
    const v1 = { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {} } }, "f:replicas": {} } };
    const set = FieldSet.fromJSON(v1);
    expect(set.toJSON()).toEqual(v1);
    expect(set.paths().map(pathString)).toEqual(['.spec.containers[name="c"]', '.spec.containers[name="c"].image', ".spec.replicas"]);
  });

  it.each([
    [[], "fieldsV1: must be an object"],
    [{ "x:a": {} }, 'fieldsV1: unexpected key "x:a" (path elements start with f:, k:, v: or i:)'],
    [{ "k:{oops": {} }, "fieldsV1: k: element is not valid JSON: k:{oops"],
    [{ "f:a": 1 }, 'fieldsV1: value of "f:a" must be an object'],
  ])("refuses %j: %s", (v, msg) => {
    expect(() => FieldSet.fromJSON(v)).toThrow(msg);
  });
});

describe("fieldsOf and changesBetween", () => {
  it("walk keyed lists by key (a missing protocol is its default) and keep atomic values whole", () => {
    const o = spec([{ name: "c", image: "i", ports: [{ containerPort: 80 }] }], { nodeSelector: { a: "b" } });
    expect(fieldsOf(pod, o).toJSON()).toEqual({
      "f:spec": {
        "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } } },
        "f:nodeSelector": {},
      },
    });
  });

  it("report changed and removed fields only", () => {
    const before = spec([{ name: "c", image: "a" }, { name: "d", image: "x" }], { hostname: "h" });
    const after = spec([{ name: "c", image: "b" }, { name: "e", image: "y" }]);
    const { changed, removed } = changesBetween(pod, before, after);
    expect(changed.paths().map(pathString)).toEqual(['.spec.containers[name="c"].image', '.spec.containers[name="e"]', '.spec.containers[name="e"].image', '.spec.containers[name="e"].name']);
    expect(removed.paths().map(pathString)).toEqual(['.spec.containers[name="d"]', '.spec.containers[name="d"].image', '.spec.containers[name="d"].name', ".spec.hostname"]);
  });
});

describe("mergeApplied and removeFields", () => {
  it("merge structs by field and keyed lists by key, replace atomic values", () => {
    const live = spec([{ name: "c", image: "a", env: [{ name: "X", value: "1" }] }, { name: "d", image: "x" }], { nodeSelector: { old: "1" } });
    const applied = spec([{ name: "c", image: "b" }, { name: "n", image: "z" }], { nodeSelector: { new: "2" } });
    expect(mergeApplied(pod, live, applied)).toEqual(spec(
      [{ name: "c", image: "b", env: [{ name: "X", value: "1" }] }, { name: "d", image: "x" }, { name: "n", image: "z" }],
      { nodeSelector: { new: "2" } },
    ));
  });

  it("remove fields and list elements by path", () => {
    const o = spec([{ name: "c", image: "a", env: [{ name: "X", value: "1" }] }, { name: "d", image: "x" }]);
    const set = FieldSet.fromJSON({ "f:spec": { "f:containers": { 'k:{"name":"d"}': {}, 'k:{"name":"c"}': { "f:env": {} } } } });
    expect(removeFields(pod, o, set)).toEqual(spec([{ name: "c", image: "a" }]));
  });
});
