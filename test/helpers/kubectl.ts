/**
 * The real kubectl against a test server: its kubeconfig (TLS, the cluster CA), HOME in the
 * server's data dir (kubectl's cache stays there), and the exit code instead of a throw.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { promisify } from "node:util";

export const KUBECTL = "/usr/bin/kubectl";
const run = promisify(execFile);

/** kubectl is part of the test environment: fail, naming it and why it is needed, rather than skip. */
export function assertKubectl(why: string): void {
  if (!fs.existsSync(KUBECTL)) throw new Error(`${KUBECTL} is missing: ${why}`);
}

/** Run `kubectl ARGS` against `server`; its output and exit code. */
export async function kubectlAgainst(server: { kubeconfigPath: string; dataDir: string }, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(KUBECTL, ["--kubeconfig", server.kubeconfigPath, ...args], { timeout: 30_000, env: { ...process.env, HOME: server.dataDir } });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return { stdout: err.stdout ?? "", stderr: err.stderr ?? "", code: typeof err.code === "number" ? err.code : 1 };
  }
}
