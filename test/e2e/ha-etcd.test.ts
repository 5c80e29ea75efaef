/**
 * HA on one machine, as the README's "HA control plane" section starts it: a private 3-member
 * etcd (this test kills members; the shared one of scripts/etcd.sh serves other suites), a first
 * `kctl server` on it, two more started with `kctl server --join URL --token <server token>`
 * (CA and keys fetched over TLS, nothing copied by hand), a real `kctl agent --server A,B,C` and
 * simulated nodes.
 *  1. The server the agent talks to is killed (SIGKILL): the agent moves to the next server, its
 *     Lease keeps being renewed and its Node never stops being Ready (grace period 5 s).
 *  2. A Deployment scales 3 -> 10 while the server holding the controller-manager Lease and the
 *     etcd leader member are killed: the scale completes within lease duration + 10 s, the
 *     cluster stays writable on two etcd members, and every acknowledged write is there.
 *  3. The admin kubeconfig names every server (kctl-1, kctl-2, kctl-3): after `kctl config
 *     use-context` to a live one, kctl writes through it, and the real kubectl reads through it.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import { readKubeconfig } from "../../lib/kubeconfig.js";
import type { Deployment, KObject, Lease, Node } from "../../lib/types.js";
import { kctl, startKctl, type KctlProcess } from "../helpers/cli.js";
import { ensureEtcd } from "../helpers/etcd.js";
import { startEtcdCluster, type EtcdCluster } from "../helpers/etcd-cluster.js";
import { eventually } from "../helpers/eventually.js";
import { assertKubectl, KUBECTL } from "../helpers/kubectl.js";

const LEASE_S = 4;
const GRACE_S = 5;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-ha-"));
const procs: KctlProcess[] = [];
const servers: { dir: string; proc: KctlProcess; url: string }[] = [];
const agentNode = `ha-agent-${process.pid}`;
let etcd: EtcdCluster;

function startServer(dir: string, extra: string[] = []): KctlProcess {
  const p = startKctl([
    "server", "--data-dir", dir, "--listen", "127.0.0.1:0", "--no-kubelet", "--kubeconfig", path.join(dir, "config"),
    "--datastore-endpoint", etcd.endpoints.join(","), "--node-monitor-grace-period", `${GRACE_S}s`,
    "--leader-elect-lease-duration", `${LEASE_S}s`, "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms",
    ...extra,
  ]);
  procs.push(p);
  return p;
}

const urlOf = (out: string): string | undefined => /API (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
const running = async (p: KctlProcess): Promise<string> => urlOf(await p.waitFor((o) => urlOf(o) !== undefined || p.child.exitCode !== null, 60_000)) ?? "";

beforeAll(async () => {
  assertKubectl("the HA e2e reads through the kubeconfig's other context with the real kubectl");
  ensureEtcd(); // installs etcd-server when missing
  etcd = await startEtcdCluster(12379);
  const a = path.join(root, "a");
  const first = startServer(a);
  servers.push({ dir: a, proc: first, url: await running(first) });
  expect(servers[0]!.url, first.stderr()).toMatch(/^https:/);
  // The first server prints the line that joins another one.
  const joinRe = /^join another server: kctl server --join (\S+) --token (\S+)/m;
  const joinLine = joinRe.exec(await first.waitFor((o) => joinRe.test(o), 10_000));
  expect(joinLine, first.stdout()).not.toBeNull();
  const joined = ["b", "c"].map((n) => {
    const dir = path.join(root, n);
    return { dir, proc: startServer(dir, ["--join", joinLine![1]!, "--token", joinLine![2]!]) };
  });
  for (const j of joined) {
    const url = await running(j.proc);
    expect(url, j.proc.stderr()).toMatch(/^https:/);
    servers.push({ ...j, url });
  }
}, 150_000);

afterAll(async () => {
  // SIGKILL: nothing here tests a graceful stop, and the cluster is thrown away.
  for (const p of procs.reverse()) {
    p.child.kill("SIGKILL");
    await p.kill();
  }
  await etcd?.stop();
  fs.rmSync(root, { recursive: true, force: true });
}, 30_000);

const adminToken = (): string => readKubeconfig(path.join(servers[0]!.dir, "admin.kubeconfig")).users[0]!.user.token!;
const caPem = (): string => fs.readFileSync(path.join(servers[0]!.dir, "pki", "ca.crt"), "utf8");
const clientOf = (url: string): ApiClient => new ApiClient({ server: url, token: adminToken(), ca: caPem() });
const nodeReady = (n: Node | undefined): boolean => n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";

describe("HA control plane on etcd", () => {
  it("joined servers share the CA; the agent's node stays Ready when its server is killed; a scale survives the leader and an etcd member", async () => {
    const ca = caPem();
    for (const s of servers.slice(1)) expect(fs.readFileSync(path.join(s.dir, "pki", "ca.crt"), "utf8")).toBe(ca);
    const clients = servers.map((s) => clientOf(s.url));
    try {
      // --- 1. the agent's server dies ---------------------------------------------------------
      const nodeToken = fs.readFileSync(path.join(servers[0]!.dir, "node-token"), "utf8").trim();
      const agent = startKctl([
        "agent", "--server", servers.map((s) => s.url).join(","), "--token", nodeToken, "--node-name", agentNode, "--node-ip", "127.0.0.1",
        "--data-dir", path.join(root, "agent"), "--heartbeat", "1s", "--pod-network", "none", "--register-with-taints", "ha-e2e=agent:NoSchedule",
      ]);
      procs.push(agent);
      await eventually("the agent's node Ready", async () => nodeReady(await clients[1]!.get<Node>("Node", agentNode).catch(() => undefined)), { timeoutMs: 45_000 });
      await eventually("the agent on the first server", () => agent.stderr().includes(`running against ${servers[0]!.url} (fails over to ${servers[1]!.url}, ${servers[2]!.url})`));

      servers[0]!.proc.child.kill("SIGKILL");
      const killedAt = Date.now();
      const lease0 = await clients[1]!.get<Lease>("Lease", agentNode, "kube-node-lease");
      // Watch the node from a live server for longer than the grace period: never not Ready.
      const notReady: string[] = [];
      let renewedAfterKill = false;
      while (Date.now() - killedAt < (GRACE_S + 4) * 1000) {
        const n = await clients[1]!.get<Node>("Node", agentNode);
        if (!nodeReady(n)) notReady.push(JSON.stringify(n.status?.conditions?.find((c) => c.type === "Ready")));
        const l = await clients[2]!.get<Lease>("Lease", agentNode, "kube-node-lease");
        if (l.spec.renewTime !== lease0.spec.renewTime) renewedAfterKill = true;
        await new Promise((r) => setTimeout(r, 500)); // sampling interval of the observation, not a wait for a condition
      }
      expect(notReady).toEqual([]);
      expect(renewedAfterKill).toBe(true);

      // --- 2. scale while the leader and an etcd member die ---------------------------------
      const live = [1, 2];
      const { leaderIdx, holder } = await eventually("the controller-manager lease held by a running server", async () => {
        const l = await clients[live[0]!]!.get<Lease>("Lease", "kube-controller-manager", "kube-system").catch(() => undefined);
        const h = l?.spec.holderIdentity;
        if (!h) return undefined;
        const i = live.find((j) => servers[j]!.proc.stderr().includes(h) || servers[j]!.proc.stdout().includes(h));
        return i !== undefined ? { leaderIdx: i, holder: h } : undefined;
      }, { timeoutMs: (LEASE_S + 15) * 1000 });
      const survivorIdx = live.find((j) => j !== leaderIdx)!;
      const survivor = clients[survivorIdx]!;
      procs.push(startKctl(["--kubeconfig", path.join(servers[survivorIdx]!.dir, "admin.kubeconfig"), "simulate-nodes", "--count", "3", "--heartbeat", "1s"]));

      const acked: string[] = [];
      for (let i = 0; i < 4; i++) acked.push((await clients[live[i % 2]!]!.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `acked-${i}` } } as KObject, "default")).metadata.name!);
      await survivor.create({
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
        spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "kctl-test/busybox:latest" }] } } },
      } as Deployment, "default");
      await eventually("3 available", async () => (await survivor.get<Deployment>("Deployment", "web", "default")).status?.availableReplicas === 3, { timeoutMs: 60_000 });

      const etcdLeader = await etcd.leader();
      await survivor.updateScale("Deployment", "web", 10, "default");
      const t0 = Date.now();
      servers[leaderIdx]!.proc.child.kill("SIGKILL");
      await etcd.kill(etcdLeader);
      // Two of three members: still a quorum, so still writable.
      acked.push((await eventually("a write with one etcd member gone", () => survivor.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-member-lost" } } as KObject, "default").catch(() => undefined), { timeoutMs: 20_000 })).metadata.name!);
      await eventually("10 available", async () => (await survivor.get<Deployment>("Deployment", "web", "default")).status?.availableReplicas === 10, { timeoutMs: 60_000 });
      expect(Date.now() - t0).toBeLessThan((LEASE_S + 10) * 1000 + 10_000); // + margin for a loaded CI machine

      const after = await survivor.get<Lease>("Lease", "kube-controller-manager", "kube-system");
      expect(after.spec.holderIdentity).not.toBe(holder);
      const names = new Set((await survivor.list("ConfigMap", { namespace: "default" })).items.map((o) => o.metadata.name));
      for (const n of acked) expect(names.has(n)).toBe(true);
      expect(nodeReady(await survivor.get<Node>("Node", agentNode))).toBe(true);

      // --- 3. the kubeconfig's other context --------------------------------------------------
      const kc = path.join(root, "client.kubeconfig");
      fs.copyFileSync(path.join(servers[0]!.dir, "admin.kubeconfig"), kc);
      const cfg = readKubeconfig(kc);
      expect(cfg.contexts.map((c) => c.name)).toEqual(["kctl-1", "kctl-2", "kctl-3"]);
      expect(cfg["current-context"]).toBe("kctl-1"); // the first server wrote it about itself
      expect(cfg.clusters.map((c) => c.cluster.server).sort()).toEqual(servers.map((s) => s.url).sort());
      // b and c joined at the same time: find the survivor's context by its server.
      const ctxName = cfg.clusters.find((c) => c.cluster.server === servers[survivorIdx]!.url)!.name;
      const env = { KCTL_CONFIG: kc };
      expect((await kctl(["config", "use-context", ctxName], { env })).code).toBe(0);
      const made = await kctl(["create", "configmap", "via-other-context", "--from-literal", "k=v"], { env });
      expect(made.stderr).toBe("");
      expect(made.stdout).toContain("configmap/via-other-context created");
      const viaKubectl = await promisify(execFile)(KUBECTL, ["--kubeconfig", kc, "--context", ctxName, "get", "configmap", "via-other-context", "-o", "name"], { env: { ...process.env, HOME: root }, timeout: 30_000 });
      expect(viaKubectl.stdout.trim()).toBe("configmap/via-other-context");
    } finally {
      for (const c of clients) c.close();
    }
  }, 240_000);
});
