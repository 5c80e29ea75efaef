/** Strategic merge patch driven by the kinds' schemas: merge keys and strategies as Kubernetes declares them. */
import { describe, expect, it } from "vitest";
import { applyStrategicMergePatch } from "../../apiserver/patch/strategic-merge-patch.js";
import { schemaOfKind } from "../../lib/schema/index.js";

const smp = (kind: string, target: unknown, patch: unknown) => applyStrategicMergePatch(target, patch, schemaOfKind(kind));

describe("strategic merge patch by schema", () => {
  it("merges containers by name and container ports by containerPort", () => {
    const pod = { spec: { containers: [{ name: "a", image: "x", ports: [{ containerPort: 80 }] }, { name: "b", image: "y" }] } };
    expect(smp("Pod", pod, { spec: { containers: [{ name: "a", image: "z", ports: [{ containerPort: 81 }] }] } })).toEqual({
      spec: { containers: [{ name: "a", image: "z", ports: [{ containerPort: 80 }, { containerPort: 81 }] }, { name: "b", image: "y" }] },
    });
  });

  it("merges service ports by port", () => {
    const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    expect(smp("Service", svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } })).toEqual({ spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
  });

  it("unions finalizers (a primitive list with the merge strategy) and $deleteFromPrimitiveList removes", () => {
    const o = { metadata: { finalizers: ["a", "b"] } };
    expect(smp("ConfigMap", o, { metadata: { finalizers: ["c", "a"] } })).toEqual({ metadata: { finalizers: ["a", "b", "c"] } });
    expect(smp("ConfigMap", o, { metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } })).toEqual({ metadata: { finalizers: ["b"] } });
  });

  it("replaces lists Kubernetes declares atomic (containerStatuses, args) and merges conditions by type", () => {
    const pod = { spec: { containers: [{ name: "a", args: ["1", "2"] }] }, status: { containerStatuses: [{ name: "a" }, { name: "b" }], conditions: [{ type: "Ready", status: "False" }, { type: "Scheduled", status: "True" }] } };
    expect(smp("Pod", pod, { spec: { containers: [{ name: "a", args: ["3"] }] }, status: { containerStatuses: [{ name: "b" }], conditions: [{ type: "Ready", status: "True" }] } })).toEqual({
      spec: { containers: [{ name: "a", args: ["3"] }] },
      status: { containerStatuses: [{ name: "b" }], conditions: [{ type: "Ready", status: "True" }, { type: "Scheduled", status: "True" }] },
    });
  });

  it("understands $patch: delete in a keyed list and $setElementOrder", () => {
    const d = { spec: { template: { spec: { containers: [{ name: "a" }, { name: "b" }, { name: "c" }] } } } };
    expect(smp("Deployment", d, { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "c" }, { name: "a" }], containers: [{ name: "b", $patch: "delete" }] } } } })).toEqual({
      spec: { template: { spec: { containers: [{ name: "c" }, { name: "a" }] } } },
    });
  });
});
