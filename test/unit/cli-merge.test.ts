import { describe, expect, it } from "vitest";
import { stableStringify, threeWayMergePatch, type Json } from "../../cli/apply/merge.js";
import { applyMergePatch } from "../../lib/json.js";
import { LAST_APPLIED, readLastApplied, withLastApplied } from "../../cli/apply/last-applied.js";
import type { KObject } from "../../lib/types.js";

type O = { [k: string]: Json };

describe("three-way merge patch", () => {
  it("is empty when the file already matches (ignoring fields others set)", () => {
    const file: O = { spec: { image: "a" } };
    const live: O = { spec: { image: "a", replicas: 5 }, status: { ready: 1 } };
    expect(threeWayMergePatch(file, file, live)).toEqual({});
  });
  it("changes fields the file changed", () => {
    expect(threeWayMergePatch({ spec: { image: "a" } }, { spec: { image: "b" } }, { spec: { image: "a", replicas: 3 } })).toEqual({ spec: { image: "b" } });
  });
  it("deletes fields removed from the file since the last apply", () => {
    const original: O = { metadata: { labels: { a: "1", b: "2" } } };
    const modified: O = { metadata: { labels: { a: "1" } } };
    const live: O = { metadata: { labels: { a: "1", b: "2", c: "others" } } };
    expect(threeWayMergePatch(original, modified, live)).toEqual({ metadata: { labels: { b: null } } });
  });
  it("keeps spec.replicas changed by scale when the file never set it", () => {
    const file: O = { spec: { template: { image: "a" } } };
    const live: O = { spec: { replicas: 7, template: { image: "a" } } };
    expect(threeWayMergePatch(file, { spec: { template: { image: "b" } } }, live)).toEqual({ spec: { template: { image: "b" } } });
  });
  it("overrides replicas when the file sets it", () => {
    expect(threeWayMergePatch({ spec: { replicas: 2 } }, { spec: { replicas: 2 } }, { spec: { replicas: 7 } })).toEqual({ spec: { replicas: 2 } });
  });
  it("does not report deletions of fields already gone", () => {
    expect(threeWayMergePatch({ a: 1, b: 2 }, { a: 1 }, { a: 1 })).toEqual({});
  });
  it("lists: unchanged when items only gained server defaults", () => {
    const file: O = { spec: { containers: [{ name: "c", image: "a" }], ports: [{ port: 80 }] } };
    const live: O = { spec: { containers: [{ name: "c", image: "a", imagePullPolicy: "IfNotPresent" }], ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] } };
    expect(threeWayMergePatch(file, file, live)).toEqual({});
  });
  it("lists: a changed item keeps live-only fields, drops removed ones, is sent whole", () => {
    const original: O = { ports: [{ port: 80, name: "http", targetPort: 8080 }] };
    const modified: O = { ports: [{ port: 80, name: "http" }, { port: 443, name: "https" }] };
    const live: O = { ports: [{ port: 80, name: "http", targetPort: 8080, nodePort: 30080, protocol: "TCP" }] };
    expect(threeWayMergePatch(original, modified, live)).toEqual({
      ports: [{ port: 80, name: "http", nodePort: 30080, protocol: "TCP" }, { port: 443, name: "https" }],
    });
  });
  it("lists of scalars are replaced", () => {
    expect(threeWayMergePatch({ args: ["a"] }, { args: ["b"] }, { args: ["a"] })).toEqual({ args: ["b"] });
  });
  it("an explicit null in the file deletes the live field", () => {
    expect(threeWayMergePatch({}, { a: null }, { a: 1 })).toEqual({ a: null });
  });
});

describe("merge patch application and the annotation", () => {
  it("applies RFC 7386", () => {
    expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: 5 } })).toEqual({ b: { c: 5, d: 3 } });
  });
  it("stable JSON is key-order independent", () => {
    expect(stableStringify({ b: 1, a: { d: 1, c: [2, { z: 1, y: 2 }] } })).toBe('{"a":{"c":[2,{"y":2,"z":1}],"d":1},"b":1}');
  });
  it("last-applied round trip, and reapplying the same object is an empty patch", () => {
    const obj: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data: { k: "v" } };
    const modified = withLastApplied(obj);
    expect(modified.metadata.annotations?.[LAST_APPLIED]).toBe(`${stableStringify(obj)}\n`);
    const live = { ...modified, metadata: { ...modified.metadata, uid: "u", resourceVersion: "5" } } as KObject;
    expect(readLastApplied(live)).toEqual(obj);
    const patch = threeWayMergePatch(readLastApplied(live), withLastApplied(obj) as unknown as O, live as unknown as Json);
    expect(patch).toEqual({});
  });
});
