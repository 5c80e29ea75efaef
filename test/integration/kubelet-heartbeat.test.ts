/**
 * The kubelet's heart-beat against a real API server, with a node credential: each beat renews the
 * Lease; a quiet node's status is read but not written (no Node event for every node watcher);
 * a Ready condition someone else set (the node lifecycle controller's Unknown) is put right at the
 * next status check; a deleted Lease is created again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import { silentLogger } from "../../lib/logger.js";
import type { Lease, Node } from "../../lib/types.js";
import { NODE_LEASE_NAMESPACE, NodeStatusReporter } from "../../kubelet/node-status.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const NODE = "hb-node";
let srv: TestServer;
let reporter: NodeStatusReporter;
let ready = true;

beforeAll(async () => {
  srv = await startTestServer({ tls: true });
  const cred = await srv.nodeCredential(NODE, ["127.0.0.1"]);
  const client = new ApiClient({ server: srv.url, token: cred.token, ca: srv.caPem });
  const facts = { nodeName: NODE, nodeIP: "127.0.0.1", labels: {}, taints: [], capacity: { cpu: "2", memory: "4Gi", pods: 110 }, runtime: { runtimeVersion: "fake://1", kernelVersion: "6", osImage: "test" } };
  // statusCheckMs 0: every beat reads the status, so the test needs no waiting.
  reporter = new NodeStatusReporter(client, facts, silentLogger(), () => ready, undefined, undefined, { statusCheckMs: 0, statusReportMs: 3_600_000 });
  await reporter.register();
  await reporter.heartbeat();
});
afterAll(async () => {
  await srv?.close();
});

const node = () => srv.client.get<Node>("Node", NODE);
const lease = () => srv.client.get<Lease>("Lease", NODE, NODE_LEASE_NAMESPACE);
const readyCondition = (n: Node) => n.status?.conditions?.find((c) => c.type === "Ready");

describe("kubelet heart-beat", () => {
  it("renews the Lease every beat and leaves a quiet node's status unwritten", async () => {
    const before = await node();
    const renewals = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await reporter.heartbeat();
      renewals.add((await lease()).spec.renewTime ?? "");
    }
    expect(renewals.size).toBe(3);
    expect((await node()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(readyCondition(before)).toMatchObject({ status: "True", reason: "KubeletReady" });
  });

  it("puts back Ready=True when someone else set Unknown, and reports a runtime that went down", async () => {
    const n = await node();
    const conditions = n.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." } : c));
    await srv.client.updateStatus<Node>({ ...n, status: { ...n.status, conditions } });
    await reporter.heartbeat();
    expect(readyCondition(await node())).toMatchObject({ status: "True", reason: "KubeletReady" });
    ready = false;
    await reporter.heartbeat();
    expect(readyCondition(await node())).toMatchObject({ status: "False", reason: "KubeletNotReady" });
    ready = true;
    await reporter.heartbeat();
    expect(readyCondition(await node())?.status).toBe("True");
  });

  it("creates its Lease again after someone deleted it", async () => {
    await srv.client.delete("Lease", NODE, { namespace: NODE_LEASE_NAMESPACE });
    await reporter.heartbeat(); // the cached Lease is gone: noticed, read again
    await reporter.heartbeat();
    expect((await lease()).spec.holderIdentity).toBe(NODE);
  });
});
