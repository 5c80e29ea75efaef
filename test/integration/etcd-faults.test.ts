/**
 * etcd lost while an API server runs on it: a private single-member etcd (Debian's etcd-server,
 * installed by scripts/etcd.sh) on its own ports (below the ephemeral range, see
 * test/helpers/etcd-cluster.ts) that the test kills and starts again. Writes
 * answer a 503/504 Status within seconds instead of hanging, open watches end (clients list and
 * watch again), and when etcd is back the server carries on with every acknowledged write.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../lib/errors.js";
import type { KObject } from "../../lib/types.js";
import { ensureEtcd, freshPrefix } from "../helpers/etcd.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const CLIENT = "http://127.0.0.1:13379";
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-etcd-fault-"));
let etcd: ChildProcess | undefined;
let s: TestServer;

async function startEtcd(): Promise<void> {
  etcd = spawn("/usr/bin/etcd", [
    "--name", "fault", "--data-dir", path.join(dataDir, "etcd"),
    "--listen-client-urls", CLIENT, "--advertise-client-urls", CLIENT,
    "--listen-peer-urls", "http://127.0.0.1:13380", "--initial-advertise-peer-urls", "http://127.0.0.1:13380",
    "--initial-cluster", "fault=http://127.0.0.1:13380",
  ], { stdio: "ignore" });
  await eventually("etcd answers", async () => (await fetch(`${CLIENT}/health`).then((r) => r.ok).catch(() => false)), { timeoutMs: 30_000 });
}

function stopEtcd(): Promise<void> {
  const p = etcd;
  etcd = undefined;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once("exit", () => r());
    p.kill("SIGKILL");
  });
}

const cm = (name: string): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name } }) as KObject;

beforeAll(async () => {
  ensureEtcd(); // installs etcd-server when missing
  await startEtcd();
  s = await startTestServer({ datastore: { endpoints: [CLIENT], prefix: freshPrefix() } });
}, 120_000);

afterAll(async () => {
  await s?.close();
  await stopEtcd();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("etcd lost while running", () => {
  it("writes answer 503/504 quickly, watches end, and all resumes with acknowledged writes kept", async () => {
    const kept = await s.client.create(cm("before"), "default");
    let watchEnded = false;
    const h = s.client.watch("ConfigMap", { namespace: "default", resourceVersion: kept.metadata.resourceVersion }, () => undefined);
    void h.done.then(() => (watchEnded = true), () => (watchEnded = true));

    await stopEtcd();
    const t0 = Date.now();
    const err = await s.client.create(cm("during"), "default").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect([503, 504]).toContain((err as ApiError).code);
    expect((err as ApiError).message).toMatch(/etcd/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await eventually("the watch ends", () => watchEnded);
    h.stop();

    await startEtcd();
    const after = await eventually("writes work again", async () => s.client.create(cm("after"), "default").catch(() => undefined), { timeoutMs: 30_000 });
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(kept.metadata.resourceVersion));
    const names = (await s.client.list("ConfigMap", { namespace: "default" })).items.map((o) => o.metadata.name);
    expect(names).toContain("before");
    expect(names).toContain("after");
  }, 90_000);
});
