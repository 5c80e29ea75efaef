/** kctl's schemas (lib/schema): complete for every served kind, references closed, field checks as Kubernetes decodes. */
import { describe, expect, it } from "vitest";
import { RESOURCES } from "../../lib/kinds.js";
import { checkFields } from "../../lib/schema/field-check.js";
import { DEFINITIONS, definitionNameOf, schemaOfKind, type Schema } from "../../lib/schema/index.js";
import { makeDeployment, makeNode, makePod } from "../helpers/builders.js";

function refs(s: Schema, out: string[] = []): string[] {
  if (s.ref) out.push(s.ref);
  for (const c of Object.values(s.properties ?? {})) refs(c, out);
  if (s.items) refs(s.items, out);
  if (s.additionalProperties) refs(s.additionalProperties, out);
  return out;
}

describe("schemas", () => {
  it("describe every served kind, tagged with its group/version/kind", () => {
    for (const r of RESOURCES) {
      const s = schemaOfKind(r.kind);
      expect(s, r.kind).toBeTruthy();
      expect(s!["x-kubernetes-group-version-kind"]).toEqual([{ group: r.group, version: r.version, kind: r.kind }]);
      expect(definitionNameOf(r.kind)).toMatch(new RegExp(`\\.${r.kind}$`));
    }
  });

  it("reference only definitions that exist", () => {
    const missing = Object.entries(DEFINITIONS).flatMap(([name, s]) => refs(s).filter((r) => !DEFINITIONS[r]).map((r) => `${name} → ${r}`));
    expect(missing).toEqual([]);
  });

  it("keyed lists declare their map keys and merge key together", () => {
    const bad: string[] = [];
    const visit = (s: Schema, where: string) => {
      if (s["x-kubernetes-list-type"] === "map" && !(s["x-kubernetes-list-map-keys"]?.length)) bad.push(where);
      for (const [k, c] of Object.entries(s.properties ?? {})) visit(c, `${where}.${k}`);
    };
    for (const [n, s] of Object.entries(DEFINITIONS)) visit(s, n);
    expect(bad).toEqual([]);
  });
});

describe("checkFields", () => {
  const pod = () => makePod("p", { nodeName: "n1", cpu: "100m", hostPort: 8080 }) as unknown as Record<string, unknown>;

  it("finds nothing in the objects kctl itself builds", () => {
    for (const o of [pod(), makeNode("n1"), makeDeployment("d", 2)]) {
      const kind = (o as { kind: string }).kind;
      expect(checkFields(schemaOfKind(kind)!, structuredClone(o)).unknown, kind).toEqual([]);
    }
  });

  it.each([
    [{ spec: { containers: [{ name: "c", image: "i", imagee: "x" }] } }, ["spec.containers[0].imagee"]],
    [{ spec: { containers: [{ name: "c", image: "i" }], nodeSelectr: {} }, statuz: 1 }, ["spec.nodeSelectr", "statuz"]],
    [{ metadata: { name: "p", labels: { "any-key": "v" } }, spec: { containers: [{ name: "c", image: "i", resources: { limits: { "example.com/gpu": "1" } } }] } }, []],
    [{ spec: { containers: [{ name: "c", image: "i" }], volumes: [{ name: "v", rbd: { whatever: { x: 1 } } }] } }, []],
    [{ spec: { containers: "not-a-list" } }, []],
  ])("%j → %j, removed from the object", (obj, unknown) => {
    const o = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, ...structuredClone(obj) };
    expect(checkFields(schemaOfKind("Pod")!, o).unknown).toEqual(unknown);
    expect(checkFields(schemaOfKind("Pod")!, o).unknown).toEqual([]);
  });
});
