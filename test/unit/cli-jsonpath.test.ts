import { describe, expect, it } from "vitest";
import { compileJsonPath, evaluatePath } from "../../cli/printers/jsonpath.js";

const list = {
  kind: "List",
  items: [
    {
      metadata: { name: "a", labels: { app: "web" }, annotations: { "kubectl.kubernetes.io/x": "y" } },
      spec: { containers: [{ name: "c1", image: "i1" }, { name: "c2", image: "i2" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }] },
    },
    { metadata: { name: "b" }, spec: { containers: [{ name: "c3", image: "i3" }] }, status: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] } },
  ],
};

const run = (t: string, d: unknown = list) => compileJsonPath(t)(d);

describe("jsonpath", () => {
  it("wildcards join with spaces", () => {
    expect(run("{.items[*].metadata.name}")).toBe("a b");
    expect(run("{.items[*].spec.containers[*].image}")).toBe("i1 i2 i3");
  });
  it("plain fields on one object", () => {
    expect(run("{.status.phase}", list.items[0])).toBe("Running");
    expect(run("name={.metadata.name}!", list.items[0])).toBe("name=a!");
  });
  it("range with literal strings", () => {
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}')).toBe("a\tRunning\nb\tPending\n");
  });
  it("indexes, negative indexes and slices", () => {
    expect(run("{.items[0].metadata.name}")).toBe("a");
    expect(run("{.items[-1].metadata.name}")).toBe("b");
    expect(run("{.items[0:1].metadata.name}")).toBe("a");
  });
  it("filters", () => {
    expect(run('{.items[*].status.conditions[?(@.type=="Ready")].status}')).toBe("True False");
    expect(run('{.items[?(@.status.phase!="Running")].metadata.name}')).toBe("b");
  });
  it("escaped dots and bracket keys", () => {
    expect(run("{.metadata.annotations.kubectl\\.kubernetes\\.io/x}", list.items[0])).toBe("y");
    expect(run("{.metadata.annotations['kubectl.kubernetes.io/x']}", list.items[0])).toBe("y");
  });
  it("objects print as JSON, missing keys print nothing", () => {
    expect(run("{.metadata.labels}", list.items[0])).toBe('{"app":"web"}');
    expect(run("{.metadata.nothing}", list.items[0])).toBe("");
  });
  it("recursive descent", () => {
    expect(run("{..image}", list.items[0])).toBe("i1 i2");
  });
  it("evaluatePath accepts relaxed expressions", () => {
    expect(evaluatePath("metadata.name", list.items[1])).toEqual(["b"]);
    expect(evaluatePath("{.metadata.name}", list.items[1])).toEqual(["b"]);
  });
  it("reports unbalanced templates", () => {
    expect(() => compileJsonPath("{range .items[*]}{.x}")).toThrow(/unclosed range/);
    expect(() => compileJsonPath("{.x")).toThrow(/unclosed/);
  });
});
