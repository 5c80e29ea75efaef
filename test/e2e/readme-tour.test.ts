/**
 * The README's tour, run for real: every command of its code block, as written, through bash, in
 * order, against a real `kctl server` (own data dir, ephemeral API port, its own node name) on the
 * real Docker engine, each output checked. A README command this test has no check for fails the
 * test, so the README and this test cannot drift apart.
 *
 * Isolation from other tests on the same engine, by the least rewriting: the commands run in a
 * scratch folder whose bin/ and scripts/ link to this checkout and whose manifests/web.yaml uses
 * a free NodePort instead of 30080 (the curl lines follow), and `docker kill` gets this node's
 * label added to its filter.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, removeByLabel } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startKctlServer, type KctlServerProcess } from "../helpers/kctl-server.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const README_PORT = 30080;
const NODE = `tour-${process.pid}`;

/** The commands of the README's tour block, comments dropped. */
function tourCommands(): string[] {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## A tour"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md: no ```sh block under ## A tour");
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l && !l.startsWith("#"));
}

interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
}

let srv: KctlServerProcess;
let work: string;
let nodePort: number;
let env: NodeJS.ProcessEnv;

/** Run one README line through bash in the scratch folder, as a user's shell would. */
function sh(line: string, opts: { untilStdout?: (out: string) => boolean; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", line], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGINT"); // Ctrl-C, to the whole pipeline
      } catch {
        // already gone
      }
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (opts.untilStdout?.(stdout)) stop();
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out: ${line}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** A port in the NodePort range that nothing on this machine listens on. */
async function freeNodePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    const ok = await new Promise<boolean>((r) => {
      const s = net.createServer();
      s.once("error", () => r(false));
      s.listen(port, "127.0.0.1", () => s.close(() => r(true)));
    });
    if (ok && port !== README_PORT) return port;
  }
  throw new Error("no free NodePort");
}

/** Pod rows of `kctl get pods` output: name, ready, status, restarts. */
function podRows(text: string): { name: string; ready: string; status: string; restarts: number }[] {
  return text
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("web-"))
    .map((l) => {
      const f = l.split(/\s+/);
      return { name: f[0]!, ready: f[1]!, status: f[2]!, restarts: Number(f[3]) };
    });
}

beforeAll(async () => {
  nodePort = await freeNodePort();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-tour-"));
  fs.symlinkSync(path.join(REPO, "bin"), path.join(work, "bin"));
  fs.symlinkSync(path.join(REPO, "scripts"), path.join(work, "scripts"));
  fs.mkdirSync(path.join(work, "manifests"));
  const web = fs.readFileSync(path.join(REPO, "manifests", "web.yaml"), "utf8");
  expect(web).toContain(`nodePort: ${README_PORT}`);
  fs.writeFileSync(path.join(work, "manifests", "web.yaml"), web.replace(`nodePort: ${README_PORT}`, `nodePort: ${nodePort}`));
  srv = startKctlServer({ args: ["--node-name", NODE, "--log-level", "warn"] });
  await srv.ready(60_000);
  env = { ...process.env, KCTL_CONFIG: srv.kubeconfig };
}, 90_000);

afterAll(async () => {
  await srv?.stop();
  await removeByLabel(docker(), "kctl.io/node", NODE);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** What each README line must print; keyed by the line as written in the README. */
const CHECKS: [RegExp, (line: string) => Promise<void>][] = [
  [/^bash scripts\/build-test-images\.sh$/, async (line) => {
    const r = await sh(line, { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
  }],
  [/^\.\/bin\/kctl apply -f manifests\/web\.yaml$/, async (line) => {
    const r = await sh(line);
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web created\nservice/web created\n" });
  }],
  [/^\.\/bin\/kctl rollout status deploy\/web$/, async (line) => {
    const r = await sh(line);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").pop()).toBe('deployment "web" successfully rolled out');
  }],
  [/^\.\/bin\/kctl get pods -o wide$/, async (line) => {
    const r = await sh(line);
    expect(r.code, r.stderr).toBe(0);
    const rows = podRows(r.stdout);
    expect(rows).toHaveLength(3);
    for (const p of rows) expect(p).toMatchObject({ ready: "1/1", status: "Running" });
    expect(r.stdout).toMatch(new RegExp(`\\b${NODE}\\b`));
  }],
  [/^curl http:\/\/127\.0\.0\.1:30080\/$/, async (line) => {
    // The first curl follows apply (v1); the second follows set image to v2.
    const version = curls++ === 0 ? "v1" : "v2";
    const r = await sh(line.replace(`:${README_PORT}/`, `:${nodePort}/`));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${version} web-[a-z0-9]+-[a-z0-9]+$`));
  }],
  [/^docker kill \$\(docker ps -q --filter label=io\.kubernetes\.container\.name=web \| head -1\)$/, async (line) => {
    const r = await sh(line.replace("--filter label=io.kubernetes.container.name=web", `--filter label=io.kubernetes.container.name=web --filter label=kctl.io/node=${NODE}`));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{12,64}$/);
  }],
  [/^\.\/bin\/kctl get pods$/, async (line) => {
    // "Running again at once": within seconds, generous for a loaded machine.
    await eventually("the killed pod Running again with RESTARTS 1", async () => {
      const rows = podRows((await sh(line)).stdout);
      return rows.length === 3 && rows.every((p) => p.status === "Running" && p.ready === "1/1") && rows.filter((p) => p.restarts === 1).length === 1;
    }, { timeoutMs: 30_000 });
  }],
  [/^\.\/bin\/kctl set image deploy\/web web=kctl-test\/web:v2$/, async (line) => {
    expect(await sh(line)).toMatchObject({ code: 0, stdout: "deployment.apps/web image updated\n" });
  }],
  [/^\.\/bin\/kctl rollout undo deploy\/web$/, async (line) => {
    expect(await sh(line)).toMatchObject({ code: 0, stdout: "deployment.apps/web rolled back\n" });
  }],
  [/^\.\/bin\/kctl scale deploy\/web --replicas=5$/, async (line) => {
    expect(await sh(line)).toMatchObject({ code: 0, stdout: "deployment.apps/web scaled\n" });
  }],
  [/^\.\/bin\/kctl get pods -w$/, async (line) => {
    // Ctrl-C once five v1 pods show Running 1/1 (the latest row per pod counts).
    const fiveRunning = (out: string) => {
      const latest = new Map(podRows(out).map((p) => [p.name, p]));
      return [...latest.values()].filter((p) => p.status === "Running" && p.ready === "1/1").length >= 5;
    };
    const r = await sh(line, { untilStdout: fiveRunning, timeoutMs: 60_000 });
    expect(fiveRunning(r.stdout), r.stdout).toBe(true);
    // A user reads the table before typing on: by then the undone v2 pods are gone too.
    await eventually("exactly five web pods, all Running", async () => {
      const rows = podRows((await sh("./bin/kctl get pods")).stdout);
      return rows.length === 5 && rows.every((p) => p.status === "Running");
    }, { timeoutMs: 60_000 });
  }],
  [/^\.\/bin\/kctl logs -l app=web --prefix$/, async (line) => {
    const r = await sh(line);
    expect(r.code, r.stderr).toBe(0);
    for (const l of r.stdout.split("\n").filter(Boolean)) expect(l).toMatch(/^\[pod\/web-[a-z0-9-]+\/web\] /);
  }],
  [/^\.\/bin\/kctl exec deploy\/web -- hostname$/, async (line) => {
    const r = await sh(line);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^web-[a-z0-9]+-[a-z0-9]+$/);
  }],
  [/^\.\/bin\/kctl delete -f manifests\/web\.yaml$/, async (line) => {
    const r = await sh(line);
    expect(r).toMatchObject({ code: 0, stdout: 'deployment.apps "web" deleted\nservice "web" deleted\n' });
    // As kubectl's default (background) cascade: delete waits for the objects named, and the
    // garbage collector then removes the ReplicaSet and its pods, which terminate in seconds.
    await eventually("no pods left", async () => (await sh(`./bin/kctl get pods --no-headers`)).stdout.trim() === "", { timeoutMs: 30_000 });
  }],
];
let curls = 0;

describe("the README tour", () => {
  it("runs as written, each command's output as the README says", async () => {
    const commands = tourCommands();
    expect(commands.length).toBeGreaterThan(10);
    for (const line of commands) {
      const check = CHECKS.find(([re]) => re.test(line));
      if (!check) throw new Error(`README tour line without a check in this test: ${line}`);
      await check[1](line);
    }
  }, 420_000);
});
