import { describe, expect, it } from "vitest";
import {
  EVERYTHING,
  NOTHING,
  fieldSelectorToString,
  fieldValue,
  isValidSelector,
  labelKeyError,
  labelSelectorToString,
  labelValueError,
  labelsContain,
  matchesFields,
  newRequirement,
  parseFieldSelector,
  parseSelector,
  selectorFromLabelSelector,
  selectorFromRequirements,
  selectorFromSet,
} from "../../lib/selector.js";
import type { KObject, LabelSelector, Labels } from "../../lib/types.js";

describe("parseSelector: matching", () => {
  const cases: [selector: string, labels: Labels | undefined, want: boolean][] = [
    ["", undefined, true],
    ["", { a: "b" }, true],
    ["app=web", { app: "web" }, true],
    ["app=web", { app: "db" }, false],
    ["app=web", {}, false],
    ["app=web", undefined, false],
    ["app==web", { app: "web" }, true],
    ["tier!=db", { tier: "web" }, true],
    ["tier!=db", {}, true],
    ["tier!=db", { tier: "db" }, false],
    ["env in (a,b)", { env: "a" }, true],
    ["env in (a,b)", { env: "c" }, false],
    ["env in (a,b)", {}, false],
    ["env notin (a, b)", { env: "c" }, true],
    ["env notin (a, b)", {}, true],
    ["env notin (a, b)", { env: "b" }, false],
    ["key", { key: "" }, true],
    ["key", { other: "x" }, false],
    ["!key", { other: "x" }, true],
    ["!key", { key: "x" }, false],
    ["app=web,tier!=db", { app: "web", tier: "fe" }, true],
    ["app=web,tier!=db", { app: "web", tier: "db" }, false],
    ["app=web, env in (prod, staging), !canary", { app: "web", env: "prod" }, true],
    ["app=web, env in (prod, staging), !canary", { app: "web", env: "prod", canary: "1" }, false],
    ["app=", { app: "" }, true],
    ["app=", { app: "x" }, false],
    ["app=,b=c", { app: "", b: "c" }, true],
    ["env=in", { env: "in" }, true],
    ["env in (in,notin)", { env: "notin" }, true],
    ["example.com/role=db", { "example.com/role": "db" }, true],
    ["n>2", { n: "3" }, true],
    ["n>2", { n: "2" }, false],
    ["n<2", { n: "1" }, true],
    ["n<2", { n: "x" }, false],
    ["n>2", {}, false],
    ["constructor", {}, false],
    ["!constructor", {}, true],
    ["  app  =  web  ", { app: "web" }, true],
    ["env in (a,)", { env: "" }, true],
  ];
  it.each(cases)("%j matches %j -> %s", (sel, labels, want) => {
    expect(parseSelector(sel).matches(labels)).toBe(want);
  });
});

describe("parseSelector: errors", () => {
  const bad: [string, RegExp][] = [
    ["app=web=x", /found '=', expected: ',' or 'end of string'/],
    ["app web", /found 'web', expected: '=', '==', '!=', 'in', 'notin'/],
    ["app=web,", /expected: identifier after ','/],
    [",app", /expected: !, identifier, or 'end of string'/],
    ["env in a", /found 'a', expected: '\('/],
    ["env in (a", /expected: ',' or '\)'/],
    ["env in ()", /values set can't be empty/],
    ["env notin ()", /values set can't be empty/],
    ["!app=web", /found '=', expected: ',' or 'end of string'/],
    ["Bad_Key-!", /unable to parse requirement/],
    ["-bad=x", /invalid label key "-bad"/],
    ["app=-bad", /invalid label value "-bad"/],
    ["a/b/c=x", /at most one '\/'/],
    ["Upper.Case/x=y", /prefix part/],
    [`app=${"x".repeat(64)}`, /no more than 63/],
    ["n>x", /must be a single integer/],
    ["app=(x)", /found '\(', expected: identifier/],
    ["app in (a b)", /expected: ',' or '\)'/],
  ];
  it.each(bad)("%j is rejected", (sel, re) => {
    expect(() => parseSelector(sel)).toThrowError(/^unable to parse requirement: /);
    expect(() => parseSelector(sel)).toThrowError(re);
    expect(isValidSelector(sel)).toBe(false);
  });

  it("names the selector and the position", () => {
    expect(() => parseSelector("app=web=x")).toThrowError(/at position 7 of selector "app=web=x"/);
  });
});

describe("Selector.toString and flags", () => {
  it.each([
    ["", ""],
    ["b=2,a=1", "a=1,b=2"],
    ["app==web", "app==web"],
    ["env in (b, a, a)", "env in (a,b)"],
    ["x notin (z,y)", "x notin (y,z)"],
    ["!k, j", "j,!k"],
    ["n > 3", "n>3"],
    ["n < 3", "n<3"],
    ["tier != db", "tier!=db"],
  ])("%j prints as %j and round-trips", (input, want) => {
    const s = parseSelector(input);
    expect(s.toString()).toBe(want);
    expect(parseSelector(s.toString()).toString()).toBe(want);
  });

  it("empty flag", () => {
    expect(parseSelector("").empty).toBe(true);
    expect(parseSelector("  ").empty).toBe(true);
    expect(parseSelector("a").empty).toBe(false);
    expect(EVERYTHING.matches(undefined)).toBe(true);
    expect(NOTHING.matches({})).toBe(false);
    expect(NOTHING.empty).toBe(false);
  });

  it("exposes requirements", () => {
    expect(parseSelector("env in (b,a),x").requirements.map((r) => [r.key, r.operator, r.values])).toEqual([
      ["env", "in", ["a", "b"]],
      ["x", "exists", []],
    ]);
  });

  it("builds from requirements", () => {
    const s = selectorFromRequirements([newRequirement("a", "in", ["x", "y"]), newRequirement("b", "!")]);
    expect(s.toString()).toBe("a in (x,y),!b");
    expect(s.matches({ a: "y" })).toBe(true);
    expect(() => newRequirement("a", "=", [])).toThrowError(/one single value/);
    expect(() => newRequirement("a", "exists", ["x"])).toThrowError(/values set must be empty/);
  });
});

describe("selectorFromLabelSelector", () => {
  it("combines matchLabels and matchExpressions", () => {
    const ls: LabelSelector = {
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "env", operator: "In", values: ["prod", "qa"] },
        { key: "tier", operator: "NotIn", values: ["db"] },
        { key: "track", operator: "Exists" },
        { key: "canary", operator: "DoesNotExist" },
      ],
    };
    const s = selectorFromLabelSelector(ls);
    expect(s.matches({ app: "web", env: "qa", tier: "fe", track: "x" })).toBe(true);
    expect(s.matches({ app: "web", env: "qa", tier: "fe", track: "x", canary: "y" })).toBe(false);
    expect(s.matches({ app: "web", env: "dev", track: "x" })).toBe(false);
    expect(s.matches({ app: "web", env: "qa", tier: "db", track: "x" })).toBe(false);
    expect(labelSelectorToString(ls)).toBe("app=web,!canary,env in (prod,qa),tier notin (db),track");
    expect(parseSelector(labelSelectorToString(ls)).matches({ app: "web", env: "qa", track: "1" })).toBe(true);
  });

  it("{} selects everything, undefined selects nothing", () => {
    expect(selectorFromLabelSelector({})).toBe(EVERYTHING);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).empty).toBe(true);
    expect(selectorFromLabelSelector(undefined)).toBe(NOTHING);
    expect(selectorFromLabelSelector(null).matches({})).toBe(false);
    expect(labelSelectorToString({})).toBe("");
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, /values set can't be empty/],
    [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, /values set must be empty/],
    [{ matchExpressions: [{ key: "a", operator: "Like", values: ["x"] }] }, /"Like" is not a valid label selector operator/],
    [{ matchLabels: { "bad key": "x" } }, /invalid label key "bad key"/],
    [{ matchLabels: { a: "bad value" } }, /invalid label value "bad value"/],
  ])("rejects %j", (ls, re) => {
    expect(() => selectorFromLabelSelector(ls as LabelSelector)).toThrowError(re);
  });
});

describe("selectorFromSet and labelsContain", () => {
  it("requires every pair", () => {
    const s = selectorFromSet({ app: "web", tier: "fe" });
    expect(s.toString()).toBe("app=web,tier=fe");
    expect(s.matches({ app: "web", tier: "fe", x: "y" })).toBe(true);
    expect(s.matches({ app: "web" })).toBe(false);
    expect(selectorFromSet({}).empty).toBe(true);
    expect(selectorFromSet(undefined).matches(undefined)).toBe(true);
    expect(labelsContain({ app: "web", tier: "fe" }, { app: "web" })).toBe(true);
    expect(labelsContain(undefined, { app: "web" })).toBe(false);
    expect(labelsContain(undefined, {})).toBe(true);
  });
});

describe("label key/value validation", () => {
  it.each(["a", "app.kubernetes.io/name", "A_b-c.d", "x".repeat(63), "example.com/X"])("key %j ok", (k) => {
    expect(labelKeyError(k)).toBeUndefined();
  });
  it.each(["", "/a", "a/", "-a", "a-", "x".repeat(64), "EXAMPLE.com/a", "a b"])("key %j bad", (k) => {
    expect(labelKeyError(k)).toMatch(/invalid label key/);
  });
  it.each(["", "a", "1.2.3", "A-b_c"])("value %j ok", (v) => expect(labelValueError(v)).toBeUndefined());
  it.each(["-a", "a-", "a b", "x".repeat(64)])("value %j bad", (v) => expect(labelValueError(v)).toMatch(/invalid label value/));
});

describe("field selectors", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1", namespace: "default" },
    spec: { nodeName: "n1", containers: [], priority: 5, hostNetwork: false },
    status: { phase: "Running" },
  } as KObject;
  const unscheduled = { ...pod, spec: { containers: [] } } as KObject;

  it("parses =, == and !=", () => {
    const reqs = parseFieldSelector("metadata.name=x,spec.nodeName!=,status.phase==Running");
    expect(reqs.map((r) => [r.field, r.operator, r.value])).toEqual([
      ["metadata.name", "=", "x"],
      ["spec.nodeName", "!=", ""],
      ["status.phase", "==", "Running"],
    ]);
    expect(reqs[0]!.path).toEqual(["metadata", "name"]);
    expect(parseFieldSelector("")).toEqual([]);
  });

  it.each([
    ["", "pod", true],
    ["metadata.name=web-1", "pod", true],
    ["metadata.name=web-2", "pod", false],
    ["metadata.namespace=default,status.phase=Running", "pod", true],
    ["spec.nodeName!=", "pod", true],
    ["spec.nodeName!=", "unscheduled", false],
    ["spec.nodeName=", "unscheduled", true],
    ["spec.nodeName=", "pod", false],
    ["spec.nodeName==n1", "pod", true],
    ["status.phase!=Running", "pod", false],
    ["spec.priority=5", "pod", true],
    ["spec.hostNetwork=false", "pod", true],
    ["spec.containers=", "pod", true],
    ["no.such.path=", "pod", true],
    ["metadata.name.deeper=", "pod", true],
  ] as [string, "pod" | "unscheduled", boolean][])("%j on %s -> %s", (sel, which, want) => {
    expect(matchesFields(which === "pod" ? pod : unscheduled, parseFieldSelector(sel))).toBe(want);
  });

  it("handles escapes", () => {
    const reqs = parseFieldSelector("metadata.name=a\\,b\\=c\\\\d");
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.value).toBe("a,b=c\\d");
    expect(fieldSelectorToString(reqs)).toBe("metadata.name=a\\,b\\=c\\\\d");
    expect(fieldValue({ a: { b: "x" } }, ["a", "b"])).toBe("x");
  });

  it.each([
    ["metadata.name", /can't understand 'metadata.name'/],
    ["=x", /field name missing/],
    ["a=b=c", /unescaped/],
    ["a=b\\x", /invalid escape/],
  ])("rejects %j", (sel, re) => {
    expect(() => parseFieldSelector(sel)).toThrowError(/^invalid field selector: /);
    expect(() => parseFieldSelector(sel)).toThrowError(re);
  });
});

describe("performance", () => {
  it("matches 10,000 objects many times quickly", () => {
    const s = parseSelector("app=web,env in (prod,qa),!canary,tier!=db");
    const fs = parseFieldSelector("spec.nodeName=n1,status.phase!=Failed");
    const objs = Array.from({ length: 10_000 }, (_, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `p${i}`, labels: { app: i % 2 ? "web" : "db", env: "prod", tier: "fe" } },
      spec: { nodeName: `n${i % 3}` },
      status: { phase: "Running" },
    })) as KObject[];
    const t0 = performance.now();
    let n = 0;
    for (let round = 0; round < 20; round++) {
      for (const o of objs) if (s.matches(o.metadata.labels) && matchesFields(o, fs)) n++;
    }
    const ms = performance.now() - t0;
    expect(n).toBe(20 * objs.filter((o, i) => i % 2 === 1 && i % 3 === 1).length);
    // 200,000 label+field matches; generous bound for a loaded 2-core CI box
    expect(ms).toBeLessThan(1000);
  });
});
