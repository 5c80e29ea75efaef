/**
 * `kctl apply --wait`: real `kctl server` (its own node on the real Docker engine), real `kctl
 * apply` processes. Returns once the Deployment has rolled out, with its progress lines on the
 * way; fails at --timeout naming what is not ready and why; a bad --timeout changes nothing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kctl, KCTL_BIN } from "../helpers/cli.js";
import { docker, removeByLabel } from "../helpers/docker.js";
import { startKctlServer, type KctlServerProcess } from "../helpers/kctl-server.js";

const NODE = `apply-wait-${process.pid}`;
let srv: KctlServerProcess;
let env: NodeJS.ProcessEnv;
let dir: string;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: waited}
spec:
  replicas: 2
  selector: {matchLabels: {app: waited}}
  template:
    metadata: {labels: {app: waited}}
    spec:
      containers:
        - name: web
          image: kctl-test/web:v1
          imagePullPolicy: IfNotPresent
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: waited-config}
data: {a: b}
`;
const NEVER_READY = `apiVersion: v1
kind: Pod
metadata: {name: never-ready}
spec:
  containers:
    - name: x
      image: kctl-test/not-built:v1
      imagePullPolicy: Never
`;

beforeAll(async () => {
  srv = startKctlServer({ args: ["--node-name", NODE, "--log-level", "warn"] });
  await srv.ready(60_000);
  env = { KCTL_CONFIG: srv.kubeconfig };
  dir = srv.dataDir;
  fs.writeFileSync(path.join(dir, "waited.yaml"), DEPLOYMENT);
  fs.writeFileSync(path.join(dir, "never-ready.yaml"), NEVER_READY);
}, 90_000);

afterAll(async () => {
  await kctl(["delete", "-f", path.join(dir, "waited.yaml"), "-f", path.join(dir, "never-ready.yaml"), "--ignore-not-found"], { env });
  await srv?.stop();
  await removeByLabel(docker(), "kctl.io/node", NODE);
});

describe("kctl apply --wait", () => {
  it("returns once the deployment has rolled out, with a line per change on the way", async () => {
    const r = await kctl(["apply", "-f", path.join(dir, "waited.yaml"), "--wait", "--timeout", "90s"], { env, timeoutMs: 100_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.slice(0, 2)).toEqual(["deployment.apps/waited created", "configmap/waited-config created"]);
    // Progress lines only for the workload (a ConfigMap has nothing to wait for), ending ready.
    const progress = lines.slice(2);
    expect(progress.length).toBeGreaterThan(1);
    for (const l of progress) expect(l).toMatch(/^deployment\.apps\/waited: /);
    expect(progress.at(-1)).toBe('deployment.apps/waited: deployment "waited" successfully rolled out');
    const ready = await kctl(["get", "deploy", "waited", "--no-headers"], { env });
    expect(ready.stdout).toMatch(/^waited\s+2\/2\s+2\s+2\b/);
  }, 110_000);

  it("on a terminal, keeps one line per workload, rewritten in place", async () => {
    const file = path.join(dir, "waited-tty.yaml");
    fs.writeFileSync(file, DEPLOYMENT.replace(/waited/g, "waited-tty").replace("replicas: 2", "replicas: 1"));
    const cmd = [process.execPath, KCTL_BIN, "apply", "-f", file, "--wait", "--timeout", "90s"].map((w) => `'${w}'`).join(" ");
    const out = await new Promise<string>((resolve, reject) => {
      // util-linux `script` gives the command a pseudo-terminal and copies what it prints.
      const child = spawn("script", ["-qfec", cmd, "/dev/null"], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`))));
    });
    // Each update moves the cursor back up over the block (ESC[1A) and clears the line (ESC[2K).
    expect(out).toContain("\x1b[1A\x1b[2K");
    const screen = out.split("\x1b[1A").at(-1)!.replace(/\x1b\[2K/g, "").trim();
    expect(screen).toBe('deployment.apps/waited-tty: deployment "waited-tty" successfully rolled out');
    await kctl(["delete", "-f", file], { env });
  }, 110_000);

  it("fails at --timeout naming what is not ready and why", async () => {
    const started = Date.now();
    const r = await kctl(["apply", "-f", path.join(dir, "never-ready.yaml"), "--wait", "--timeout", "4s"], { env, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^pod\/never-ready created\n/);
    const err = r.stderr.trim().split("\n");
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^error: timed out after 4s waiting for pod\/never-ready \((Pending, waiting to be ready\.\.\.|ErrImageNeverPull: .*kctl-test\/not-built:v1.*)\)$/);
    expect(err[1]).toMatch(/^hint: /);
    // Not before the timeout; generous after it (a loaded machine).
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 70_000);

  it("refuses a bad --timeout before writing anything", async () => {
    const r = await kctl(["apply", "-f", path.join(dir, "never-ready.yaml"), "--wait", "--timeout", "soon"], { env });
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toBe('error: --timeout: invalid duration "soon" (use e.g. 500ms, 10s, 5m)\n');
  });
});
