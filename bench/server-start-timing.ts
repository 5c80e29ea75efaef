/**
 * Timing one `kctl server` start as a user sees it (spawn → API answers → its node Ready), shared
 * by bench/server-start.ts and bench/swarm.ts.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import { removePodBridges } from "../kubelet/network/pod-bridge.js";
import { ApiClient } from "../lib/client.js";
import { clientConfigFromKubeconfig, readKubeconfig } from "../lib/kubeconfig.js";
import type { Node } from "../lib/types.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** What runs `kctl`: bin/kctl (the bundle users run) or the plain tsc output. */
export const ENTRIES = { bundle: path.join(ROOT, "bin/kctl"), plain: path.join(ROOT, "dist/cli/main.js") } as const;
export type Entry = keyof typeof ENTRIES;
/** The API port of the timed server (KCTL_BENCH_START_PORT: another bench on this machine may hold 7643). */
const PORT = Number(process.env.KCTL_BENCH_START_PORT ?? 7643);

/** One start. */
export interface Timing {
  /** ms from spawn until the API answered (GET /version) */
  api: number;
  /** ms from spawn until the node's Ready condition was True */
  ready: number;
  /**
   * CPU ms the server process had used by then (all its threads, from /proc; undefined where
   * there is none): steadier than wall time on a loaded machine, where waiting for a core counts.
   */
  cpu?: number;
}

/** User + system CPU ms of a process so far (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Remove the pod network a timed server made for `node` (the server keeps it across restarts, for
 * its pods' addresses; a bench's throwaway node must not leave it on the engine).
 */
export async function removeNodeNetwork(node: string): Promise<void> {
  await removePodBridges(new Dockerode({ socketPath: "/var/run/docker.sock" }), node).catch(() => undefined);
}

/** The Ready condition's last heartbeat a run saw, per node: a restart must show a newer one. */
const lastHeartbeat = new Map<string, string>();

/**
 * Start `kctl server` from `entry` on `dataDir`, time it, stop it. `script` runs another build's
 * `bin/kctl` instead (an A/B against it, `server-start.js --against DIR`).
 */
export async function timeStart(entry: Entry, dataDir: string, node: string, script?: string): Promise<Timing> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [script ?? ENTRIES[entry], "server", "--data-dir", dataDir, "--listen", `127.0.0.1:${PORT}`, "--node-name", node, "--log-level", "warn"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, KCTL_CONFIG: path.join(dataDir, "client-config") },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  try {
    const deadline = t0 + 30_000;
    let api = 0;
    let client: ApiClient | undefined;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kctl server exited (${child.exitCode}): ${stderr.trim()}`);
      if (!client && fs.existsSync(path.join(dataDir, "admin.kubeconfig"))) {
        client = new ApiClient(clientConfigFromKubeconfig(readKubeconfig(path.join(dataDir, "admin.kubeconfig")), undefined, dataDir));
      }
      if (client) {
        if (!api && (await client.request("GET", "/version").then(() => true, () => false))) api = performance.now() - t0;
        if (api) {
          const n = await client.get<Node>("Node", node).catch(() => undefined);
          const ready = n?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
          // On a restart the stored Node still says Ready: only a heartbeat of this process counts.
          if (ready?.lastHeartbeatTime && ready.lastHeartbeatTime !== lastHeartbeat.get(node)) {
            lastHeartbeat.set(node, ready.lastHeartbeatTime);
            const cpu = cpuMs(child.pid);
            return { api, ready: performance.now() - t0, ...(cpu !== undefined ? { cpu } : {}) };
          }
        }
      }
      await sleep(10);
    }
    throw new Error(`node ${node} not Ready within 30 s: ${stderr.trim()}`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
  }
}

