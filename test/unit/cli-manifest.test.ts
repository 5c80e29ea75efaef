import { describe, expect, it } from "vitest";
import { parseSource } from "../../cli/manifest/parse.js";
import { validateObject } from "../../cli/manifest/validate.js";
import { parseResourceArgs } from "../../cli/resource-args.js";

const opts = { namespace: "default", namespaceFlag: false };

describe("manifest parsing", () => {
  it("multi-document YAML, skipping empty documents", () => {
    const objs = parseSource({ name: "a.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n" });
    expect(objs.map((o) => (o.obj.metadata as { name: string }).name)).toEqual(["a", "b"]);
  });
  it("JSON and kind: List", () => {
    const objs = parseSource({ name: "l.json", text: JSON.stringify({ kind: "List", apiVersion: "v1", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }] }) });
    expect(objs).toHaveLength(1);
    expect(objs[0].obj.kind).toBe("ConfigMap");
  });
  it("YAML syntax errors carry file:line:col", () => {
    expect(() => parseSource({ name: "web.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {a: b\n" })).toThrow(/^web\.yaml:\d+:\d+: /);
    expect(() => parseSource({ name: "web.yaml", text: "a: b\n  c: d\n" })).toThrow(/^web\.yaml:1:4: Nested mappings/);
  });
  it("unknown kinds get a suggestion and a position", () => {
    const [m] = parseSource({ name: "d.yaml", text: "apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: web\n" });
    expect(() => validateObject(m, opts)).toThrow('d.yaml:2:7: no kind "Deploymnet" in apps/v1; did you mean Deployment?');
  });
  it("missing kind / apiVersion / name and mismatched apiVersion", () => {
    const check = (text: string) => () => validateObject(parseSource({ name: "x.yaml", text })[0], opts);
    expect(check("kind: Pod\nmetadata: {name: a}\n")).toThrow(/apiVersion not set/);
    expect(check("apiVersion: v1\nmetadata: {name: a}\n")).toThrow(/kind not set/);
    expect(check("apiVersion: v1\nkind: Pod\n")).toThrow(/metadata.name: Required value/);
    expect(check("apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n")).toThrow(/no kind "Deployment" in v1; Deployment is served by apiVersion apps\/v1/);
  });
  it("fills in the namespace and refuses a conflicting -n", () => {
    const [m] = parseSource({ name: "x.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: prod}\n" });
    expect(validateObject(m, opts).namespace).toBe("prod");
    expect(() => validateObject(m, { namespace: "dev", namespaceFlag: true })).toThrow(/does not match the namespace "dev"/);
    const [n] = parseSource({ name: "x.yaml", text: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" });
    expect(validateObject(n, opts).namespace).toBeUndefined();
  });
});

describe("resource arguments", () => {
  it("kinds, short names, TYPE/NAME and lists", () => {
    expect(parseResourceArgs(["po", "a", "b"]).map((r) => [r.resource.kind, r.names])).toEqual([["Pod", ["a", "b"]]]);
    expect(parseResourceArgs(["deploy/web", "svc/web"]).map((r) => r.resource.kind)).toEqual(["Deployment", "Service"]);
    expect(parseResourceArgs(["pods,svc"]).map((r) => r.resource.kind)).toEqual(["Pod", "Service"]);
    expect(parseResourceArgs(["all"]).map((r) => r.resource.kind)).toEqual(["Pod", "ReplicationController", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "CronJob", "Job"]);
  });
  it("unknown types suggest", () => {
    expect(() => parseResourceArgs(["podz"])).toThrow('the server doesn\'t have a resource type "podz"; did you mean pods?');
  });
});
