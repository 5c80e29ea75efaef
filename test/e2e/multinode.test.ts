/**
 * A multi-node lab on one machine: three real `kctl agent` processes (bin/kctl) with distinct
 * node names and loopback node IPs 127.0.0.2/3/4 sharing one Docker engine (containers kept
 * apart by the kctl.io/node label), an in-process API server, controllers (short node-monitor
 * and eviction settings) and scheduler. A 6-replica Deployment spreads 2/2/2; killing one agent
 * marks its node NotReady and its pods are recreated on the other two.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import type { Node, Pod } from "../../lib/types.js";
import { startControllerManager, type ControllerManager } from "../../controllers/index.js";
import { startScheduler, type RunningScheduler } from "../../scheduler/index.js";
import { LABEL_NODE } from "../../kubelet/labels.js";
import { removePodBridges } from "../../kubelet/network/pod-bridge.js";
import { assertDockerReady, deployment, docker, isReady, podsOf, removeByLabel, runId } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const d = docker();
const run = runId("kt-multi");
const nodes = [1, 2, 3].map((i) => `${run}-n${i}`);
const agents = new Map<string, ChildProcess>();
let srv: TestServer;
let cm: ControllerManager;
let sched: RunningScheduler;

function startAgent(node: string, ip: string): ChildProcess {
  const p = spawn(
    process.execPath,
    ["bin/kctl", "agent", "--server", srv.url, "--token", srv.nodeToken, "--node-name", node, "--node-ip", ip, "--heartbeat", "1s", "--data-dir", `${srv.dataDir}/${node}`, "-v", "warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  p.stderr?.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  p.on("exit", (code, sig) => {
    if (code && code !== 0) console.error(`agent ${node} exited ${code} ${sig ?? ""}: ${err}`);
  });
  agents.set(node, p);
  return p;
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let b = "";
      res.on("data", (c: Buffer) => (b += c.toString()));
      res.on("end", () => resolve(b));
    }).on("error", reject);
  });
}

beforeAll(async () => {
  await assertDockerReady(d);
  // HTTPS: agents join with the CA-pinned join token, as on a real LAN.
  srv = await startTestServer({ tls: true });
  cm = await startControllerManager({ client: srv.client, logger: silentLogger(), nodeMonitorGracePeriodSeconds: 3, podEvictionTimeoutSeconds: 1 });
  sched = await startScheduler({ client: srv.client, logger: silentLogger() });
  nodes.forEach((n, i) => startAgent(n, `127.0.0.${i + 2}`));
  await eventually("3 Ready nodes from 3 agent processes", async () => {
    const list = await srv.client.list<Node>("Node");
    const ready = list.items.filter((n) => nodes.includes(n.metadata.name!) && n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True");
    return ready.length === 3;
    // three node processes start at once next to the rest of the suite: minutes of CPU on 2 cores
  }, { timeoutMs: 60_000 });
}, 90_000);

afterAll(async () => {
  for (const p of agents.values()) p.kill("SIGTERM");
  await Promise.all([...agents.values()].map((p) => (p.exitCode !== null || p.signalCode ? Promise.resolve() : new Promise((r) => p.once("exit", r)))));
  await sched?.stop();
  await cm?.stop();
  for (const n of nodes) {
    await removeByLabel(d, LABEL_NODE, n);
    // Agents keep their pod network across restarts (their pods' addresses); this run's are done.
    await removePodBridges(d, n);
  }
  await srv?.close();
});

describe("multi-node lab on one machine", () => {
  let placed: Map<string, Pod[]>;

  it("a 6-replica Deployment spreads 2/2/2 over three agents, each pod reachable on its node IP", async () => {
    await srv.client.create(deployment("spread", 6));
    const pods = await eventually("6 Ready pods", async () => {
      const ps = await podsOf(srv.client, "spread");
      return ps.length === 6 && ps.every(isReady) ? ps : undefined;
    }, { timeoutMs: 30_000 });
    placed = new Map(nodes.map((n) => [n, pods.filter((p) => p.spec.nodeName === n)]));
    const counts = [...placed.values()].map((x) => x.length);
    expect(counts).toEqual([2, 2, 2]);
    for (const [i, n] of nodes.entries()) {
      for (const p of placed.get(n)!) {
        expect(p.status?.hostIP).toBe(`127.0.0.${i + 2}`);
        const ports = JSON.parse(p.metadata.annotations!["kctl.io/ports"]!) as Record<string, { hostIP: string; hostPort: number }>;
        expect(ports["8080/TCP"]!.hostIP).toBe(`127.0.0.${i + 2}`);
        expect((await get(`http://${ports["8080/TCP"]!.hostIP}:${ports["8080/TCP"]!.hostPort}/`)).trim()).toBe(`v1 ${p.metadata.name}`);
      }
      const own = await d.listContainers({ filters: { label: [`${LABEL_NODE}=${n}`, "kctl.io/role=container"] } });
      expect(own).toHaveLength(placed.get(n)!.length);
    }
  });

  it("killing one agent marks its node NotReady and its pods are recreated on the other two", async () => {
    const victim = nodes[0]!;
    const lost = placed.get(victim)!.map((p) => p.metadata.name);
    const t0 = Date.now();
    agents.get(victim)!.kill("SIGKILL");
    await eventually("victim node NotReady/Unknown", async () => {
      const n = await srv.client.get<Node>("Node", victim);
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True";
    }, { timeoutMs: 15_000 });
    const pods = await eventually("6 Ready pods on the two surviving nodes", async () => {
      const ps = (await podsOf(srv.client, "spread")).filter((p) => !p.metadata.deletionTimestamp);
      return ps.length === 6 && ps.every((p) => isReady(p) && p.spec.nodeName !== victim) ? ps : undefined;
    }, { timeoutMs: 40_000 });
    console.info(`failover: 6 Ready on 2 nodes ${Date.now() - t0} ms after the agent was killed`);
    expect(pods.some((p) => lost.includes(p.metadata.name))).toBe(false);
    const counts = nodes.slice(1).map((n) => pods.filter((p) => p.spec.nodeName === n).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
  }, 60_000);
});
