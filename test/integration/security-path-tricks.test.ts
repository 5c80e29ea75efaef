/**
 * Issue 21, finding 1: a path spelled another way must not reach past the authorizer or the node
 * restriction. Raw HTTP against a real server: every non-canonical spelling is a 400 Status for
 * everyone and stores nothing; every canonical spelling of one resource gets the same decision for
 * every role; a node may change only annotations and status of the pods bound to it.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KObject, Pod } from "../../lib/types.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
const tokens: Record<string, string> = {};

interface Answer {
  code: number;
  body: { kind?: string; reason?: string; message?: string; metadata?: { labels?: Record<string, string> } };
}

/** One raw request: the path goes on the wire exactly as written (no URL normalisation). */
function raw(method: string, path: string, token: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
  const u = new URL(srv.url);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${token}`, ...(data ? { "content-type": contentType, "content-length": data.length } : {}) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ code: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Answer["body"]) : {} }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const node = (name: string): KObject => ({ apiVersion: "v1", kind: "Node", metadata: { name } }) as KObject;
const lease = (name: string): KObject => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: "kube-node-lease" }, spec: { holderIdentity: name } }) as KObject;

beforeAll(async () => {
  srv = await startTestServer();
  tokens.admin = srv.token;
  tokens.node = (await srv.nodeCredential("n1")).token;
  for (const [role, ns] of [["edit", undefined], ["view", undefined], ["edit", "team-a"]] as const) {
    tokens[ns ? `${role}@${ns}` : role] = srv.server.app.kctl.tokens.createToken(role, `${role}-${ns ?? "all"}`, ns ? { namespace: ns } : {});
  }
  await srv.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } } as KObject);
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "on-n1", namespace: "default", labels: { app: "web" } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1" }] } } as Pod;
  await srv.client.create(pod);
});
afterAll(async () => {
  await srv.close();
});

describe("path tricks (issue 21)", () => {
  const nodeCreates = ["/api/v1//nodes", "//api/v1/nodes", "/api//v1/nodes", "/api/v1/./nodes", "/api/v1/x/../nodes", "/api/v1/%2E/nodes", "/api/v1/nodes%2F", "/api/v1/node%2573", "/api/v1/nodes%5C", "/api/v1/nodes%00"];
  const leaseCreates = [
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease//leases",
    "/apis/coordination.k8s.io/v1/namespaces//kube-node-lease/leases",
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/./leases",
    "/apis/coordination.k8s.io/v1/namespaces/kube%252Dnode%252Dlease/leases",
  ];

  it("refuses every non-canonical spelling with a 400 Status before authorization, for every caller", async () => {
    for (const who of Object.keys(tokens)) {
      for (const p of nodeCreates) {
        const a = await raw("POST", p, tokens[who]!, node(`forged-${who}`));
        expect({ who, p, code: a.code, kind: a.body.kind }).toEqual({ who, p, code: 400, kind: "Status" });
        expect(a.body.message).toMatch(/is not canonical/);
      }
      for (const p of leaseCreates) {
        const a = await raw("POST", p, tokens[who]!, lease(`forged-${who}`));
        expect({ who, p, code: a.code }).toEqual({ who, p, code: 400 });
      }
    }
    const nodes = await srv.client.list<KObject>("Node");
    expect(nodes.items.map((n) => n.metadata.name).filter((n) => n?.startsWith("forged"))).toEqual([]);
    const leases = await srv.client.list<KObject>("Lease", { namespace: "kube-node-lease" });
    expect(leases.items.map((n) => n.metadata.name).filter((n) => n?.startsWith("forged"))).toEqual([]);
  });

  it("reads an encoded spelling as the canonical resource: a node still creates only its own Node and Lease", async () => {
    for (const p of ["/api/v1/node%73", "/api/v1/%6Eodes", "/api/v1/nodes/"]) {
      const other = await raw("POST", p, tokens.node!, node("n9"));
      expect({ p, code: other.code, reason: other.body.reason }).toEqual({ p, code: 403, reason: "Forbidden" });
      expect(other.body.message).toMatch(/node "n1" may only create its own Node \("n1", not "n9"\)/);
    }
    const own = await raw("POST", "/api/v1/node%73", tokens.node!, node("n1"));
    expect(own.code).toBe(201);
    for (const p of ["/apis/coordination.k8s.io/v1/namespaces/kube%2Dnode%2Dlease/leases", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/lease%73"]) {
      const other = await raw("POST", p, tokens.node!, lease("n9"));
      expect({ p, code: other.code }).toEqual({ p, code: 403 });
    }
    const ownLease = await raw("POST", "/apis/coordination.k8s.io/v1/namespaces/kube%2Dnode%2Dlease/leases", tokens.node!, lease("n1"));
    expect(ownLease.code).toBe(201);
    expect((await srv.client.list<KObject>("Node")).items.map((n) => n.metadata.name)).not.toContain("n9");
  });

  it("gives every role the same decision for every spelling of the same resource", async () => {
    const decided = new Set<string>();
    const spellings: Record<string, string[]> = {
      secrets: ["/api/v1/namespaces/default/secrets", "/api/v1/namespaces/default/secret%73", "/api/v1/namespaces/%64efault/secrets/"],
      nodes: ["/api/v1/nodes", "/api/v1/node%73", "/api/v1/nodes/"],
      pods: ["/api/v1/namespaces/team-a/pods", "/api/v1/namespaces/team%2Da/pods", "/api/v1/namespaces/team-a/pod%73/"],
      leases: ["/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", "/apis/coordination.k8s.io/v1/namespaces/kube%2Dnode%2Dlease/leases"],
    };
    for (const who of Object.keys(tokens)) {
      for (const [what, paths] of Object.entries(spellings)) {
        const codes = new Set<number>();
        for (const p of paths) codes.add((await raw("GET", p, tokens[who]!)).code);
        expect({ who, what, decisions: codes.size }).toEqual({ who, what, decisions: 1 });
        expect(codes.has(401)).toBe(false);
        decided.add(`${who} ${what} ${[...codes][0]}`);
      }
    }
    // The decisions themselves are the roles' rules (spot checks that the table is not all one answer).
    expect(decided).toContain("admin secrets 200");
    expect(decided).toContain("view secrets 403");
    expect(decided).toContain("edit@team-a nodes 403");
    expect(decided).toContain("edit@team-a pods 200");
    expect(decided).toContain("node leases 403");
  });
});

describe("NodeRestriction on pods (issue 21)", () => {
  const podPath = "/api/v1/namespaces/default/pods/on-n1";
  const patch = (body: unknown) => raw("PATCH", podPath, tokens.node!, body, "application/merge-patch+json");

  it("lets a node change annotations and status of a pod bound to it", async () => {
    expect((await patch({ metadata: { annotations: { "kctl.io/ports": "[]" } } })).code).toBe(200);
    const st = await raw("PATCH", `${podPath}/status`, tokens.node!, { status: { phase: "Running" } }, "application/merge-patch+json");
    expect(st.code).toBe(200);
  });

  it("refuses labels, finalizers, ownerReferences and spec changes, storing nothing", async () => {
    const before = await srv.client.get<Pod>("Pod", "on-n1");
    const attempts: [unknown, RegExp][] = [
      [{ metadata: { labels: { app: "db" } } }, /not metadata\.labels/],
      [{ metadata: { finalizers: ["example.com/block"] } }, /not metadata\.finalizers/],
      [{ metadata: { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "x", uid: "1", controller: true }] } }, /not metadata\.ownerReferences/],
      [{ spec: { activeDeadlineSeconds: 5 } }, /not spec/],
    ];
    for (const [body, why] of attempts) {
      const a = await patch(body);
      expect({ code: a.code, reason: a.body.reason }).toEqual({ code: 403, reason: "Forbidden" });
      expect(a.body.message).toMatch(/node "n1" may only change metadata\.annotations and status of pods bound to it/);
      expect(a.body.message).toMatch(why);
    }
    // A status write cannot smuggle a label change either: the status subresource keeps metadata.
    await raw("PATCH", `${podPath}/status`, tokens.node!, { metadata: { labels: { app: "db" } }, status: { phase: "Running" } }, "application/merge-patch+json");
    const after = await srv.client.get<Pod>("Pod", "on-n1");
    expect(after.metadata.labels).toEqual(before.metadata.labels);
    expect(after.metadata.finalizers).toBeUndefined();
    expect(after.metadata.ownerReferences).toBeUndefined();
    expect(after.spec.activeDeadlineSeconds).toBeUndefined();
  });
});
