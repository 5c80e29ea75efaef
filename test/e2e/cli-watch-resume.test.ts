/**
 * Issue 21, finding 6: `kctl get pods -w` (the real bin/kctl) carries on across restarts of a
 * real `kctl server` on the same data dir: a graceful stop, a kill -9, and a restart whose
 * revision log was compacted past the watch (410: relist). Every pod created is shown, no version
 * of an object twice (a pod's later status changes are real changes and are shown), and each
 * interruption is one line on stderr.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminToken, exited, freePort, startServer } from "../../bench/server-process.js";
import { openDatabase, SqliteStore } from "../../apiserver/store/sqlite-store.js";
import { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { startKctl, type KctlProcess } from "../helpers/cli.js";

let dataDir: string;
let port: number;
let server: ChildProcess;
let token: string;

const pod = (name: string): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "kctl-test/busybox:1", imagePullPolicy: "Never" }] } }) as Pod;

async function create(names: string[]): Promise<void> {
  const c = new ApiClient({ server: `http://127.0.0.1:${port}`, token });
  for (const n of names) await c.create(pod(n));
  c.close();
}

const rows = (out: string, name: string): number => out.split("\n").filter((l) => l.startsWith(`${name} `)).length;
/** Every NAME RV row printed: the same version of an object must never be shown twice. */
function expectNoRepeats(out: string): void {
  const lines = out.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("NAME"));
  expect(lines.length).toBeGreaterThan(0);
  expect(new Set(lines).size).toBe(lines.length);
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-watch-resume-"));
  port = await freePort();
  server = await startServer(dataDir, port);
  token = adminToken(dataDir);
});
afterAll(async () => {
  server.kill("SIGKILL");
  await exited(server);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("kctl get -w across server restarts", () => {
  let w: KctlProcess;

  it("resumes after a graceful restart and after kill -9, showing every pod, no version twice", async () => {
    await create(["before-0", "before-1"]);
    w = startKctl(["--server", `http://127.0.0.1:${port}`, "--token", token, "get", "pods", "-w", "-o", "custom-columns=NAME:.metadata.name,RV:.metadata.resourceVersion"]);
    await w.waitFor((out) => rows(out, "before-1") >= 1, 15_000);
    for (const [signal, tag] of [["SIGTERM", "graceful"], ["SIGKILL", "killed"]] as const) {
      server.kill(signal);
      await exited(server);
      server = await startServer(dataDir, port);
      await create([`${tag}-0`, `${tag}-1`]);
      await w.waitFor((out) => rows(out, `${tag}-1`) >= 1, 20_000);
    }
    const out = w.stdout();
    for (const n of ["before-0", "before-1", "graceful-0", "graceful-1", "killed-0", "killed-1"]) expect(rows(out, n)).toBeGreaterThanOrEqual(1);
    expectNoRepeats(out);
    expect(w.stderr()).toMatch(/kctl: watch interrupted \(.+\); resuming from resourceVersion \d+ in [\d.]+s/);
    expect(w.stderr()).not.toMatch(/at .+\.js:\d+/); // no stack trace
    expect(w.child.exitCode).toBeNull();
  }, 60_000);

  it("relists when the server no longer has the watch's revision (410), printing only what changed", async () => {
    server.kill("SIGTERM");
    await exited(server);
    // While it is down: one more write the watch never saw, then a compaction past it, exactly as
    // the server's own compaction would leave the data dir.
    const file = path.join(dataDir, "kctl.db");
    const store = new SqliteStore(openDatabase(file), { file });
    store.create("configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "offline", namespace: "default" } });
    await store.sync();
    await store.compact(0, 0);
    store.close();
    server = await startServer(dataDir, port);
    await create(["after-compaction"]);
    const shownBefore = w.stdout();
    await w.waitFor((out) => rows(out, "after-compaction") >= 1, 20_000);
    const out = w.stdout();
    // The relist printed nothing that was already shown at the same version.
    expectNoRepeats(out);
    expect(rows(out, "before-0")).toBe(rows(shownBefore, "before-0"));
    expect(w.stderr()).toMatch(/kctl: watch expired \(too old resource version.*\); relisting/);
    await w.kill();
  }, 60_000);
});
