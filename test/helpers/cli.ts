/**
 * Run the real compiled `kctl` binary (bin/kctl -> dist/cli/main.js, built by `npm test`'s
 * pretest) as a subprocess, and wait on its output with deadlines (never fixed sleeps).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "./eventually.js";

export const KCTL_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/kctl");

export interface KctlResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface KctlOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/** Run `kctl ARGS` to completion. */
export function kctl(args: string[], opts: KctlOptions = {}): Promise<KctlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KCTL_BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, KCTL_CONFIG: "/nonexistent/kctl-config", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A long-running kctl (e.g. `get -w`) whose output can be awaited. */
export interface KctlProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolve once stdout satisfies the predicate; reject after the deadline. */
  waitFor(pred: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

/** Start `kctl ARGS` in the background. */
export function startKctl(args: string[], opts: KctlOptions = {}): KctlProcess {
  const child = spawn(process.execPath, [KCTL_BIN, ...args], {
    env: { ...process.env, KCTL_CONFIG: "/nonexistent/kctl-config", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<void>((r) => child.on("close", () => r()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pred(out)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(out);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for kctl output; stdout so far:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
