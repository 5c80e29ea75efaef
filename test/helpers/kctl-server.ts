/**
 * Run the real `kctl server` (bin/kctl) as a subprocess on an ephemeral port with its own data
 * dir and kubeconfig, optionally on a pseudo-terminal (util-linux `script`), and wait for its
 * start-up lines with deadlines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KCTL_BIN } from "./cli.js";
import { eventually } from "./eventually.js";

export interface KctlServerProcess {
  child: ChildProcess;
  dataDir: string;
  /** The kubeconfig the server copies its admin one to (KCTL_CONFIG for clients). */
  kubeconfig: string;
  /** stdout (on a pseudo-terminal: stdout and stderr together, as a terminal shows them) */
  stdout(): string;
  stderr(): string;
  /** Resolve with the API URL once the start-up summary is printed. */
  ready(timeoutMs?: number): Promise<string>;
  /** SIGINT, then wait for the exit; SIGKILL after the deadline. */
  stop(): Promise<number | null>;
}

export interface KctlServerOptions {
  /** Extra flags after `server` (default: --no-kubelet is NOT added; pass it yourself). */
  args?: string[];
  /** Run on a pseudo-terminal instead of pipes. */
  tty?: boolean;
  env?: NodeJS.ProcessEnv;
  dataDir?: string;
}

/** Quote one word for `sh -c`. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Start `kctl server --listen 127.0.0.1:0 --data-dir D --kubeconfig D/config ARGS`. */
export function startKctlServer(opts: KctlServerOptions = {}): KctlServerProcess {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "kctl-server-"));
  const kubeconfig = path.join(dataDir, "config");
  const argv = [process.execPath, KCTL_BIN, "server", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--kubeconfig", kubeconfig, ...(opts.args ?? [])];
  // The test runner's own KCTL_LOG_* must not decide what a test of the defaults sees.
  const env: NodeJS.ProcessEnv = { ...process.env, KCTL_LOG_FORMAT: undefined, KCTL_LOG_LEVEL: undefined, KCTL_CONFIG: kubeconfig, ...opts.env };
  // `script -qfec CMD /dev/null` runs CMD on a fresh pseudo-terminal and copies what it prints.
  const child = opts.tty
    ? spawn("script", ["-qfec", argv.map(shellQuote).join(" "), "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"], detached: true })
    : spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  return {
    child,
    dataDir,
    kubeconfig,
    stdout: () => out,
    stderr: () => err,
    ready: (timeoutMs = 30_000) =>
      eventually(
        "kctl server start-up summary",
        () => {
          if (child.exitCode !== null) throw new Error(`kctl server exited ${child.exitCode}: ${err || out}`);
          return /kctl server is running: API (\S+),/.exec(out)?.[1];
        },
        { timeoutMs },
      ),
    async stop() {
      if (child.exitCode === null) {
        // Under `script` the server is in the child's process group: signal the group.
        if (opts.tty && child.pid) process.kill(-child.pid, "SIGINT");
        else child.kill("SIGINT");
      }
      const timer = setTimeout(() => {
        if (opts.tty && child.pid) process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      }, 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
