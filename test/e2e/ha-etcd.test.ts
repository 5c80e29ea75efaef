/**
 * HA on one machine: three real `kctl server` processes on the local 3-member etcd
 * (scripts/etcd.sh) under a fresh prefix, sharing one data dir's CA, keys and tokens (copied, as
 * the README says), and simulated nodes. A Deployment scales from 3 to 10 while the server holding
 * the controller-manager Lease is killed with SIGKILL: another server takes the Lease and the
 * scale completes within lease duration + 10 s; every acknowledged write is there afterwards.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import type { Deployment, Lease } from "../../lib/types.js";
import { startKctl, type KctlProcess } from "../helpers/cli.js";
import { ensureEtcd, ETCD_ENDPOINTS, freshPrefix } from "../helpers/etcd.js";
import { eventually } from "../helpers/eventually.js";

const LEASE_S = 4;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-ha-"));
const prefix = freshPrefix();
const procs: KctlProcess[] = [];
const servers: { dir: string; proc: KctlProcess; url: string }[] = [];

function startServer(dir: string): KctlProcess {
  const p = startKctl([
    "server", "--data-dir", dir, "--listen", "127.0.0.1:0", "--insecure-http", "--no-kubelet",
    "--datastore-endpoint", ETCD_ENDPOINTS.join(","), "--datastore-prefix", prefix,
    "--leader-elect-lease-duration", `${LEASE_S}s`, "--leader-elect-renew-deadline", "3s", "--leader-elect-retry-period", "500ms",
  ]);
  procs.push(p);
  return p;
}

const urlOf = (out: string): string | undefined => /API (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];

beforeAll(async () => {
  ensureEtcd();
  // First start makes the CA, keys and tokens; the other servers get copies.
  const a = path.join(root, "a");
  const first = startServer(a);
  await first.waitFor((o) => urlOf(o) !== undefined, 30_000);
  await first.kill();
  for (const n of ["b", "c"]) fs.cpSync(a, path.join(root, n), { recursive: true });
  for (const n of ["a", "b", "c"]) {
    const dir = path.join(root, n);
    const proc = startServer(dir);
    servers.push({ dir, proc, url: urlOf(await proc.waitFor((o) => urlOf(o) !== undefined, 30_000))! });
  }
}, 120_000);

afterAll(async () => {
  for (const p of procs) await p.kill();
  fs.rmSync(root, { recursive: true, force: true });
});

const token = (): string => /token: (\S+)/.exec(fs.readFileSync(path.join(servers[0]!.dir, "admin.kubeconfig"), "utf8"))![1]!;
const clientOf = (url: string): ApiClient => new ApiClient({ server: url, token: token() });

describe("HA control plane on etcd", () => {
  it("a Deployment scales 3 -> 10 while the leading server is killed; nothing acknowledged is lost", async () => {
    const clients = servers.map((s) => clientOf(s.url));
    try {
      // Every server sees the same objects; exactly one holds each Lease.
      // The first start's server (stopped before the copies) may still hold it until its lease
      // runs out: wait for a holder that is one of the three running servers.
      const { leaderIdx, holder } = await eventually("the controller-manager lease held by a running server", async () => {
        const l = await clients[1]!.get<Lease>("Lease", "kube-controller-manager", "kube-system").catch(() => undefined);
        const holder = l?.spec.holderIdentity;
        if (!holder) return undefined;
        const i = servers.findIndex((s) => s.proc.stderr().includes(holder) || s.proc.stdout().includes(holder));
        return i >= 0 ? { leaderIdx: i, holder } : undefined;
      }, { timeoutMs: (LEASE_S + 10) * 1000 });
      expect(leaderIdx).toBeGreaterThanOrEqual(0);
      const survivor = clients[(leaderIdx + 1) % 3]!;
      const survivorUrl = servers[(leaderIdx + 1) % 3]!.url;
      procs.push(startKctl(["--server", survivorUrl, "--token", token(), "simulate-nodes", "--count", "3", "--heartbeat", "1s"]));

      const acked: string[] = [];
      for (let i = 0; i < 5; i++) acked.push((await clients[i % 3]!.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `acked-${i}` } }, "default")).metadata.name!);
      await survivor.create({
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
        spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "kctl-test/busybox:latest" }] } } },
      } as Deployment, "default");
      await eventually("3 available", async () => (await survivor.get<Deployment>("Deployment", "web", "default")).status?.availableReplicas === 3, { timeoutMs: 60_000 });

      await survivor.updateScale("Deployment", "web", 10, "default");
      const t0 = Date.now();
      servers[leaderIdx]!.proc.child.kill("SIGKILL");
      await eventually("10 available", async () => (await survivor.get<Deployment>("Deployment", "web", "default")).status?.availableReplicas === 10, { timeoutMs: 60_000 });
      expect(Date.now() - t0).toBeLessThan((LEASE_S + 10) * 1000);

      const after = await survivor.get<Lease>("Lease", "kube-controller-manager", "kube-system");
      expect(after.spec.holderIdentity).not.toBe(holder);
      expect(after.spec.leaseTransitions ?? 0).toBeGreaterThanOrEqual(1);
      const names = new Set((await survivor.list("ConfigMap", { namespace: "default" })).items.map((o) => o.metadata.name));
      for (const n of acked) expect(names.has(n)).toBe(true);
    } finally {
      for (const c of clients) c.close();
    }
  }, 180_000);
});
