/**
 * A real `kctl server --no-kubelet --insecure-http` as a child process on a fixed loopback port,
 * for tests and benchmarks that kill and restart it on the same data dir (crash cycles, watch
 * resume). Only 127.0.0.1; readiness is polled with a deadline.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** bin/kctl of this checkout, from bench/ (vitest) or dist/bench/ (compiled). */
export const KCTL_BIN = ["../bin/kctl", "../../bin/kctl"].map((p) => path.resolve(path.dirname(fileURLToPath(import.meta.url)), p)).find((p) => fs.existsSync(p)) ?? "bin/kctl";

/** Start the server on `port` with its data in `dataDir`; resolves once /readyz answers. */
export async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [KCTL_BIN, "server", "--no-kubelet", "--insecure-http", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, KCTL_CONFIG: path.join(dataDir, "client-config") },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kctl server exited (${child.exitCode}): ${stderr.trim()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) return child;
    await delay(50);
  }
  child.kill("SIGKILL");
  throw new Error(`kctl server did not become ready within 20 s: ${stderr.trim()}`);
}

/** The admin token the server wrote into its data dir. */
export function adminToken(dataDir: string): string {
  const m = /token:\s*(\S+)/.exec(fs.readFileSync(path.join(dataDir, "admin.kubeconfig"), "utf8"));
  if (!m) throw new Error("no token in the admin kubeconfig");
  return m[1]!;
}

/** A loopback port free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the child has exited. */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

/** A pause; only for pacing polls that have their own deadline. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
