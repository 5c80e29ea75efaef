/**
 * First-run failures, as a new user meets them, with real `kctl` processes: no Docker engine
 * (the engine address pointed at a socket that does not exist), a busy port, a data dir that is
 * not writable, a kubeconfig whose server is down. Each is one `error:` line and one `hint:` line,
 * a non-zero exit, no stack trace, and nothing started.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl, KCTL_BIN, type KctlResult } from "../helpers/cli.js";
import { spawn } from "node:child_process";

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-first-run-"));
});
afterAll(() => {
  fs.chmodSync(path.join(tmp, "locked"), 0o755);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Exactly `error: ...` then `hint: ...`, a non-zero exit, no stack trace. */
function expectErrorAndHint(r: KctlResult, error: RegExp, hint: RegExp): void {
  expect(r.code).not.toBe(0);
  // Log entries (JSON through a pipe) may come first, as the server started opening its store.
  const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("{"));
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(error);
  expect(lines[1]).toMatch(/^hint: /);
  expect(lines[1]).toMatch(hint);
  expect(r.stdout).not.toContain("kctl server is running");
}

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("first-run failures", () => {
  it("kctl server without a Docker engine says what is missing, how to get one, and --no-kubelet", async () => {
    const dataDir = path.join(tmp, "no-engine");
    const r = await kctl(["server", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env: { DOCKER_HOST: `unix://${tmp}/no-such-docker.sock` } });
    expectErrorAndHint(r, /no Docker engine answers at unix:\/\/.*no-such-docker\.sock \(no socket there\)/, /bash scripts\/docker-engine\.sh.*docker\.io.*kctl server --no-kubelet/);
    expect(fs.existsSync(dataDir)).toBe(false); // nothing created
  });

  it("kctl agent without a Docker engine says the same (without --no-kubelet, which it has not)", async () => {
    const r = await kctl(["agent", "--docker-host", `unix://${tmp}/no-such-docker.sock`, "--server", "https://127.0.0.1:1", "--token", "x", "--data-dir", path.join(tmp, "agent")]);
    expectErrorAndHint(r, /no Docker engine answers at unix:\/\/.*no-such-docker\.sock/, /bash scripts\/docker-engine\.sh/);
    expect(r.stderr).not.toContain("--no-kubelet");
  });

  it("a busy port names the process holding it and the --listen flag", async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const r = await kctl(["server", "--no-kubelet", "--data-dir", path.join(tmp, "busy"), "--listen", `127.0.0.1:${port}`]);
      expectErrorAndHint(r, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use by .*\\(pid ${process.pid}\\)`), /--listen 127\.0\.0\.1:\d+/);
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });

  it("a data dir that is not writable names the dir and --data-dir", async () => {
    const locked = path.join(tmp, "locked");
    fs.mkdirSync(locked);
    fs.chmodSync(locked, 0o555);
    const dataDir = path.join(locked, "server");
    const args = ["server", "--no-kubelet", "--data-dir", dataDir, "--listen", "127.0.0.1:0"];
    // Root writes anywhere: drop the capabilities that let it, so the mode bits count.
    const r = process.getuid?.() === 0 ? await asRootWithoutDacOverride(args) : await kctl(args);
    expectErrorAndHint(r, new RegExp(`data dir ${dataDir} is not writable \\(permission denied\\)`), /--data-dir DIR/);
  });

  it("kctl get with a kubeconfig whose server is down names the server and how to start one", async () => {
    const port = await deadPort();
    const kubeconfig = path.join(tmp, "down.kubeconfig");
    fs.writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:" + port + "'}}]",
        "users: [{name: u, user: {token: t}}]",
        "contexts: [{name: x, context: {cluster: c, user: u}}]",
        "current-context: x",
        "",
      ].join("\n"),
    );
    const r = await kctl(["get", "pods", "--kubeconfig", kubeconfig]);
    expectErrorAndHint(r, new RegExp(`cannot reach the API server at http://127\\.0\\.0\\.1:${port}: connection refused`), new RegExp(`address from .*down\\.kubeconfig.*start one with \`kctl server\``));
  });
});

/** Run kctl as root but without CAP_DAC_OVERRIDE / DAC_READ_SEARCH / FOWNER (util-linux setpriv). */
function asRootWithoutDacOverride(args: string[]): Promise<KctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("setpriv", ["--bounding-set=-dac_override,-dac_read_search,-fowner", "--", process.execPath, KCTL_BIN, ...args], {
      env: { ...process.env, KCTL_CONFIG: "/nonexistent/kctl-config" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
  });
}
