import { describe, expect, it } from "vitest";
import { planEndpoints, planEndpointSubsets, resolveTargetPort } from "../../controllers/endpoints/plan.js";
import type { Endpoints, Service } from "../../lib/types.js";
import { pod } from "./controllers-fixtures.js";

function svc(ports: Service["spec"]["ports"], selector: Record<string, string> | undefined = { app: "web" }, extra: Partial<Service["spec"]> = {}): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default", labels: { team: "a" } }, spec: { selector, ports, ...extra } };
}
const named = [{ name: "http", containerPort: 8080 }];

describe("resolveTargetPort", () => {
  const p = pod({ name: "a", ports: named });
  const cases: [Service["spec"]["ports"], number | undefined][] = [
    [[{ port: 80 }], 80],
    [[{ port: 80, targetPort: 9090 }], 9090],
    [[{ port: 80, targetPort: "9090" }], 9090],
    [[{ port: 80, targetPort: "http" }], 8080],
    [[{ port: 80, targetPort: "http", protocol: "UDP" }], undefined],
    [[{ port: 80, targetPort: "grpc" }], undefined],
  ];
  for (const [ports, want] of cases) it(`${JSON.stringify(ports![0])} -> ${want}`, () => expect(resolveTargetPort(ports![0], p)).toBe(want));
});

describe("planEndpointSubsets", () => {
  it("splits ready and not-ready, sorts by IP, and carries nodeName and targetRef", () => {
    const pods = [
      pod({ name: "b", node: "n2", ready: true, ip: "10.0.0.10" }),
      pod({ name: "a", node: "n1", ready: true, ip: "10.0.0.9" }),
      pod({ name: "c", node: "n1", ready: false, ip: "10.0.0.3" }),
    ];
    expect(planEndpointSubsets(svc([{ name: "http", port: 80, targetPort: 8080 }]), pods)).toEqual([
      {
        addresses: [
          { ip: "10.0.0.9", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" } },
          { ip: "10.0.0.10", nodeName: "n2", targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "uid-b" } },
        ],
        notReadyAddresses: [{ ip: "10.0.0.3", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "c", uid: "uid-c" } }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });
  it("drops terminating pods, pods without an IP, non-matching and finished ones", () => {
    const done = pod({ name: "done", node: "n", ready: false, ip: "10.0.0.4", phase: "Succeeded" });
    done.spec.restartPolicy = "Never";
    const pods = [pod({ name: "t", node: "n", ready: true, ip: "10.0.0.1", deleting: true }), pod({ name: "noip", node: "n", ready: true }), pod({ name: "other", labels: { app: "db" }, node: "n", ready: true, ip: "10.0.0.2" }), done];
    expect(planEndpointSubsets(svc([{ port: 80 }]), pods)).toEqual([]);
  });
  it("named ports resolve per pod; pods lacking the name are skipped; different ports make different subsets", () => {
    const pods = [pod({ name: "a", node: "n", ready: true, ip: "10.0.0.1", ports: named }), pod({ name: "b", node: "n", ready: true, ip: "10.0.0.2", ports: [{ name: "http", containerPort: 9000 }] }), pod({ name: "c", node: "n", ready: true, ip: "10.0.0.3" })];
    const subsets = planEndpointSubsets(svc([{ port: 80, targetPort: "http" }]), pods);
    expect(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.[0].port])).toEqual([
      [["10.0.0.1"], 8080],
      [["10.0.0.2"], 9000],
    ]);
  });
  it("publishNotReadyAddresses lists every pod as ready", () => {
    const s = planEndpointSubsets(svc([{ port: 80 }], { app: "web" }, { publishNotReadyAddresses: true }), [pod({ name: "a", node: "n", ip: "10.0.0.1" })]);
    expect(s[0].addresses?.length).toBe(1);
  });
});

describe("planEndpoints", () => {
  const ready = [pod({ name: "a", node: "n", ready: true, ip: "10.0.0.1" })];
  it("creates Endpoints named after the Service with its labels", () => {
    const a = planEndpoints(svc([{ port: 80 }]), ready, undefined);
    expect(a).toMatchObject({ type: "create", endpoints: { kind: "Endpoints", metadata: { name: "web", namespace: "default", labels: { team: "a" } } } });
  });
  it("does nothing when unchanged, updates when changed", () => {
    const a = planEndpoints(svc([{ port: 80 }]), ready, undefined);
    if (a.type !== "create") throw new Error("want create");
    const current = { ...a.endpoints, metadata: { ...a.endpoints.metadata, resourceVersion: "5" } };
    expect(planEndpoints(svc([{ port: 80 }]), ready, current)).toEqual({ type: "none" });
    const u = planEndpoints(svc([{ port: 80 }]), [], current);
    expect(u).toMatchObject({ type: "update", endpoints: { subsets: [], metadata: { resourceVersion: "5" } } });
  });
  it("leaves selectorless Services alone and deletes Endpoints of deleted Services", () => {
    const manual: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: "default" }, subsets: [{ addresses: [{ ip: "1.2.3.4" }] }] };
    const bare = svc([{ port: 80 }]);
    delete bare.spec.selector;
    expect(planEndpoints(bare, ready, manual)).toEqual({ type: "none" });
    expect(planEndpoints(svc([{ port: 80 }], {}), ready, manual)).toEqual({ type: "none" });
    expect(planEndpoints(undefined, ready, manual)).toEqual({ type: "delete", name: "web" });
    expect(planEndpoints(undefined, ready, undefined)).toEqual({ type: "none" });
  });
});
