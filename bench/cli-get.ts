/**
 * `kctl get pods` end to end (process start included) against a real API server holding 1,000
 * pods. Prints a table and one JSON line with the median. Run: node dist/bench/cli-get.js [pods] [runs]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startApiServer } from "../apiserver/index.js";
import { ApiClient } from "../lib/client.js";
import type { Pod } from "../lib/types.js";
import { median } from "./stats.js";

const PODS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 9);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/kctl");


/** Run kctl once (async: the API server lives in this process and must keep serving). */
function time(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const argv = args[0] === "-e" ? args : [BIN, ...args];
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let bytes = 0;
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (bytes += d.length));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`kctl ${args.join(" ")} failed: ${stderr}`));
      else resolve({ ms, bytes });
    });
  });
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-cli-"));
  const server = await startApiServer({ dataDir, listen: "127.0.0.1:0", tls: false });
  const client = new ApiClient({ server: server.url, token: server.adminToken });
  try {
    for (let i = 0; i < PODS; i += 50) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(PODS, i + 50); j++) {
        const pod: Pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `bench-${String(j).padStart(4, "0")}`, namespace: "default", labels: { app: "bench" } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        };
        batch.push(client.create(pod));
      }
      await Promise.all(batch);
    }
    const conn = ["--server", server.url, "--token", server.adminToken];
    const viaConfig = { KCTL_CONFIG: server.kubeconfigPath };
    const cases: [string, string[], NodeJS.ProcessEnv?][] = [
      ["node -e 0 (floor)", ["-e", "0"]],
      ["kctl version --client", ["version", "--client"]],
      [`kctl get pods (${PODS})`, [...conn, "get", "pods"]],
      [`kctl get pods, kubeconfig (${PODS})`, ["get", "pods"], viaConfig],
      [`kctl get pods -o json (${PODS})`, [...conn, "get", "pods", "-o", "json"]],
    ];
    const rows: { name: string; median: number; min: number; max: number; bytes: number }[] = [];
    for (const [name, args, env] of cases) {
      await time(args, env); // warm the OS file cache
      const samples: number[] = [];
      let bytes = 0;
      for (let r = 0; r < RUNS; r++) {
        const t = await time(args, env);
        samples.push(t.ms);
        bytes = t.bytes;
      }
      rows.push({ name, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), bytes });
    }
    const w = Math.max(...rows.map((r) => r.name.length)) + 2;
    console.log(`${"case".padEnd(w)}${"median ms".padStart(10)}${"min ms".padStart(9)}${"max ms".padStart(9)}${"stdout".padStart(10)}`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(w)}${r.median.toFixed(1).padStart(10)}${r.min.toFixed(1).padStart(9)}${r.max.toFixed(1).padStart(9)}${String(r.bytes).padStart(10)}`);
    }
    const get = rows[2];
    console.log(
      JSON.stringify({
        bench: "cli-get",
        pods: PODS,
        runs: RUNS,
        medianMs: Number(get.median.toFixed(1)),
        nodeFloorMs: Number(rows[0].median.toFixed(1)),
        startupMedianMs: Number(rows[1].median.toFixed(1)),
        kubeconfigMedianMs: Number(rows[3].median.toFixed(1)),
        jsonMedianMs: Number(rows[4].median.toFixed(1)),
        targetMs: 300,
        pass: get.median < 300,
      }),
    );
  } finally {
    client.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
