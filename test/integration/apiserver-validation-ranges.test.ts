/**
 * Issue 21, finding 3: every number is range- and type-checked by its Kubernetes type, every
 * quantity parsed, names and references validated. A table of bad values, each a 422 naming the
 * field with nothing stored; and the boundary values that must still be accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KObject } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let seq = 0;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

interface Answer {
  code: number;
  body: { reason?: string; message?: string; details?: { causes?: { field?: string }[] } };
}

async function call(method: string, path: string, body: unknown, type = "application/json"): Promise<Answer> {
  const res = await fetch(`${srv.url}${path}`, { method, headers: { authorization: `Bearer ${srv.token}`, "content-type": type }, body: JSON.stringify(body) });
  return { code: res.status, body: (await res.json()) as Answer["body"] };
}

const container = (extra: Record<string, unknown> = {}) => ({ name: "c", image: "busybox:1", ...extra });
const pod = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, ...meta }, spec: { containers: [container()], ...spec } });
const deployment = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container()] } }, ...spec },
});

const PODS = "/api/v1/namespaces/default/pods";
const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const RSS = "/apis/apps/v1/namespaces/default/replicasets";

type Case = [what: string, path: string, make: (name: string) => unknown, field: RegExp];

const bad: Case[] = [
  ...[2147483648, 2 ** 53, 1e308, -1, 1.5, "3", true].map((v): Case => [`replicas ${String(v)}`, DEPLOYS, (n) => deployment(n, { replicas: v }), /spec\.replicas/]),
  ...[2147483648, -1, "3"].map((v): Case => [`ReplicaSet replicas ${String(v)}`, RSS, (n) => ({ ...deployment(n, { replicas: v }), kind: "ReplicaSet" }), /spec\.replicas/]),
  ...[-1, 0, 1.5, "3", true].map((v): Case => [`activeDeadlineSeconds ${String(v)}`, PODS, (n) => pod(n, { activeDeadlineSeconds: v }), /spec\.activeDeadlineSeconds/]),
  ...[1e308, -5, "30"].map((v): Case => [`terminationGracePeriodSeconds ${String(v)}`, PODS, (n) => pod(n, { terminationGracePeriodSeconds: v }), /spec\.terminationGracePeriodSeconds/]),
  ...["lots", "-100", "9999999999999999999999Ei", "1e400", "", true].map((v): Case => [`cpu request ${String(v)}`, PODS, (n) => pod(n, { containers: [container({ resources: { requests: { cpu: v } } })] }), /spec\.containers\[0\]\.resources\.requests\[cpu\]/]),
  ["memory limit below request", PODS, (n) => pod(n, { containers: [container({ resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } })] }), /requests\[memory\]: must be less than or equal to memory limit/],
  ["emptyDir sizeLimit -1Gi", PODS, (n) => pod(n, { volumes: [{ name: "v", emptyDir: { sizeLimit: "-1Gi" } }] }), /volumes\[0\]\.emptyDir\.sizeLimit/],
  ...["../../x", "Node_1", 42].map((v): Case => [`nodeName ${String(v)}`, PODS, (n) => pod(n, { nodeName: v }), /spec\.nodeName/]),
  ["probe periodSeconds 2^31", PODS, (n) => pod(n, { containers: [container({ livenessProbe: { exec: { command: ["true"] }, periodSeconds: 2147483648 } })] }), /livenessProbe\.periodSeconds/],
  ["containerPort 70000", PODS, (n) => pod(n, { containers: [container({ ports: [{ containerPort: 70000 }] })] }), /containerPort/],
  ["priority 2^31", PODS, (n) => pod(n, { priority: 2147483648 }), /spec\.priority/],
  ["ownerReference without uid", PODS, (n) => pod(n, {}, { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x" }] }), /metadata\.ownerReferences\[0\]\.uid/],
  ["ownerReference name ../x", PODS, (n) => pod(n, {}, { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "../x", uid: "u" }] }), /metadata\.ownerReferences\[0\]\.name/],
  ["two controller ownerReferences", PODS, (n) => pod(n, {}, { ownerReferences: [{ apiVersion: "v1", kind: "A", name: "a", uid: "1", controller: true }, { apiVersion: "v1", kind: "B", name: "b", uid: "2", controller: true }] }), /Only one reference can have Controller set to true/],
  ["ownerReferences not a list", PODS, (n) => pod(n, {}, { ownerReferences: "x" }), /metadata\.ownerReferences/],
  ["maxSurge 2^31", DEPLOYS, (n) => deployment(n, { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2147483648 } } }), /maxSurge/],
  ["maxUnavailable true", DEPLOYS, (n) => deployment(n, { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: true } } }), /maxUnavailable/],
  ["revisionHistoryLimit -1", DEPLOYS, (n) => deployment(n, { revisionHistoryLimit: -1 }), /revisionHistoryLimit/],
  ["progressDeadlineSeconds <= minReadySeconds", DEPLOYS, (n) => deployment(n, { minReadySeconds: 10, progressDeadlineSeconds: 10 }), /progressDeadlineSeconds: must be greater than minReadySeconds/],
  ["Lease leaseDurationSeconds 0", "/apis/coordination.k8s.io/v1/namespaces/default/leases", (n) => ({ metadata: { name: n }, spec: { leaseDurationSeconds: 0 } }), /spec\.leaseDurationSeconds/],
  ["Event count -1", "/api/v1/namespaces/default/events", (n) => ({ metadata: { name: n }, involvedObject: { kind: "Pod", name: "x" }, count: -1 }), /count/],
  ["Node capacity cpu lots", "/api/v1/nodes", (n) => ({ metadata: { name: n }, status: { capacity: { cpu: "lots" } } }), /status\.capacity\[cpu\]/],
];

describe("values are range- and type-checked (issue 21)", () => {
  it.each(bad)("refuses %s with a 422 naming the field, storing nothing", async (_what, path, make, field) => {
    const name = `bad-${++seq}`;
    const a = await call("POST", path, make(name));
    expect({ code: a.code, reason: a.body.reason }).toEqual({ code: 422, reason: "Invalid" });
    expect(a.body.message).toMatch(field);
    const get = await fetch(`${srv.url}${path}/${name}`, { headers: { authorization: `Bearer ${srv.token}` } });
    expect(get.status).toBe(404);
  });

  it("accepts the boundary values", async () => {
    const ok: [string, unknown][] = [
      [DEPLOYS, deployment("max-replicas", { replicas: 0, revisionHistoryLimit: 2147483647, progressDeadlineSeconds: 2147483647, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2147483647, maxUnavailable: "100%" } } })],
      [PODS, pod("bounds", { activeDeadlineSeconds: 1, terminationGracePeriodSeconds: 0, nodeName: "node-1.lab", containers: [container({ resources: { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: 2, memory: "1Gi" } }, ports: [{ containerPort: 65535 }] })] })],
      ["/api/v1/nodes", { metadata: { name: "capacity" }, status: { capacity: { cpu: "4", memory: "16Gi", pods: "110" } } }],
    ];
    for (const [path, body] of ok) expect((await call("POST", path, body)).code).toBe(201);
  });

  it("checks the scale subresource and status writes too", async () => {
    const scale = await call("PATCH", `${DEPLOYS}/max-replicas/scale`, { spec: { replicas: 2147483648 } }, "application/merge-patch+json");
    expect({ code: scale.code, message: scale.body.message }).toMatchObject({ code: 422, message: expect.stringMatching(/spec\.replicas: must be less than or equal to 2147483647/) });
    const phase = await call("PATCH", `${PODS}/bounds/status`, { status: { phase: 42 } }, "application/merge-patch+json");
    expect({ code: phase.code, message: phase.body.message }).toMatchObject({ code: 422, message: expect.stringMatching(/status\.phase: Unsupported value: 42/) });
    const cond = await call("PATCH", `${PODS}/bounds/status`, { status: { conditions: [{ type: "Ready", status: "Maybe" }] } }, "application/merge-patch+json");
    expect(cond.code).toBe(422);
    const cap = await call("PATCH", "/api/v1/nodes/capacity/status", { status: { allocatable: { cpu: "-4" } } }, "application/merge-patch+json");
    expect({ code: cap.code, message: cap.body.message }).toMatchObject({ code: 422, message: expect.stringMatching(/status\.allocatable\[cpu\]: must be greater than or equal to 0/) });
    const bind = await call("POST", `${PODS}/bounds/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "bounds" }, target: { kind: "Node", name: "../../x" } });
    expect({ code: bind.code, message: bind.body.message }).toMatchObject({ code: 422, message: expect.stringMatching(/target\.name/) });
    const stored = (await (await fetch(`${srv.url}${PODS}/bounds`, { headers: { authorization: `Bearer ${srv.token}` } })).json()) as KObject;
    expect((stored.status as { phase?: unknown }).phase).toBe("Pending");
  });
});
