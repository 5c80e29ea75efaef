/**
 * What validation and server-side apply cost (issue 13), against a real `kctl server` (TLS, no
 * kubelet) as a child process:
 *   - `kubectl apply -f` of one Deployment with kubectl's default validation (it reads
 *     /openapi/v3 and sends fieldValidation=Strict) against the same with --validate=false,
 *     alternated, median of 10 each (target: at most 1.3x);
 *   - creates/s of 1,000 ConfigMaps by server-side apply against 1,000 plain POSTs, 16 at a time,
 *     alternated rounds (target: SSA at least 70% of plain).
 * Prints a table and one JSON line. Usage: npm run build && node dist/bench/openapi-apply.js [rounds]
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { KCTL_BIN } from "./server-process.js";
import { median } from "./stats.js";

const run = promisify(execFile);
const KUBECTL = "/usr/bin/kubectl";
const APPLIES = 10;
const OBJECTS = 1_000;
const CONCURRENCY = 16;
const ROUNDS = Number(process.argv[2] ?? 3);

interface Server {
  url: string;
  token: string;
  ca: string;
  kubeconfig: string;
  stop(): void;
}

async function startTlsServer(dir: string): Promise<Server> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [KCTL_BIN, "server", "--no-kubelet", "--data-dir", dir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"], { stdio: "ignore" });
  const kubeconfig = path.join(dir, "admin.kubeconfig");
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (fs.existsSync(kubeconfig)) {
      const text = fs.readFileSync(kubeconfig, "utf8");
      const token = /token:\s*(\S+)/.exec(text)?.[1];
      const ca = /certificate-authority-data:\s*(\S+)/.exec(text)?.[1];
      if (token && ca) {
        const s = { url: `https://127.0.0.1:${port}`, token, ca: Buffer.from(ca, "base64").toString(), kubeconfig, stop: () => child.kill("SIGTERM") };
        if ((await request(s, "GET", "/readyz").catch(() => ({ code: 0 }))).code === 200) return s;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("kctl server did not become ready within 30 s");
}

let agent: https.Agent | undefined;
function request(s: Omit<Server, "stop" | "kubeconfig">, method: string, p: string, body?: string, type = "application/json"): Promise<{ code: number }> {
  agent ??= new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: s.ca });
  return new Promise((resolve, reject) => {
    const req = https.request(`${s.url}${p}`, { method, agent, ca: s.ca, headers: { authorization: `Bearer ${s.token}`, "content-type": type } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ code: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function deployment(replicas: number): string {
  return [
    "apiVersion: apps/v1", "kind: Deployment", "metadata: {name: web}", "spec:", `  replicas: ${replicas}`, "  selector: {matchLabels: {app: web}}",
    "  template:", "    metadata: {labels: {app: web}}", "    spec:", "      containers: [{name: web, image: 'nginx:1.25', ports: [{containerPort: 80}]}]", "",
  ].join("\n");
}

/** Median seconds of `kubectl apply -f` with and without validation, alternated. */
async function kubectlApply(s: Server, dir: string): Promise<{ validated: number; unvalidated: number }> {
  const env = { ...process.env, HOME: dir };
  const file = path.join(dir, "web.yaml");
  const times = { validated: [] as number[], unvalidated: [] as number[] };
  let replicas = 1;
  const once = async (validate: boolean) => {
    fs.writeFileSync(file, deployment(replicas++));
    const t0 = performance.now();
    await run(KUBECTL, ["--kubeconfig", s.kubeconfig, "apply", "-f", file, ...(validate ? [] : ["--validate=false"])], { env });
    (validate ? times.validated : times.unvalidated).push((performance.now() - t0) / 1000);
  };
  await once(true); // warm-up (and the object exists from here on)
  await once(false);
  times.validated.length = 0;
  times.unvalidated.length = 0;
  for (let i = 0; i < APPLIES; i++) {
    await once(i % 2 === 0);
    await once(i % 2 !== 0);
  }
  return { validated: median(times.validated), unvalidated: median(times.unvalidated) };
}

/** Creates/s of OBJECTS ConfigMaps, plain POST or server-side apply. */
async function createRate(s: Server, ns: string, mode: "post" | "apply"): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < OBJECTS) {
      const i = next++;
      const cm = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, labels: { app: "bench" } }, data: { key: `value-${i}`, other: "x".repeat(64) } });
      const r = mode === "post"
        ? await request(s, "POST", `/api/v1/namespaces/${ns}/configmaps`, cm)
        : await request(s, "PATCH", `/api/v1/namespaces/${ns}/configmaps/cm-${i}?fieldManager=bench`, cm, "application/apply-patch+yaml");
      if (r.code !== 201) throw new Error(`${mode} cm-${i}: HTTP ${r.code}`);
    }
  }));
  return OBJECTS / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-bench-openapi-"));
  const s = await startTlsServer(dir);
  try {
    const apply = await kubectlApply(s, dir);
    const post: number[] = [];
    const ssa: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const mode of r % 2 ? (["apply", "post"] as const) : (["post", "apply"] as const)) {
        const ns = `${mode}-${r}`;
        await request(s, "POST", "/api/v1/namespaces", JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }));
        (mode === "post" ? post : ssa).push(await createRate(s, ns, mode));
      }
    }
    const results = {
      kubectlApplyValidatedS: apply.validated,
      kubectlApplyUnvalidatedS: apply.unvalidated,
      validationRatio: apply.validated / apply.unvalidated,
      postCreatesPerSec: median(post),
      ssaCreatesPerSec: median(ssa),
      ssaToPost: median(ssa) / median(post),
    };
    const rows: [string, string][] = [
      [`kubectl apply -f, default validation (median of ${APPLIES})`, `${results.kubectlApplyValidatedS.toFixed(3)} s`],
      [`kubectl apply -f --validate=false (median of ${APPLIES})`, `${results.kubectlApplyUnvalidatedS.toFixed(3)} s`],
      ["ratio (target <= 1.3)", results.validationRatio.toFixed(2)],
      [`plain creates/s (${OBJECTS} ConfigMaps, ${CONCURRENCY} at a time, median of ${ROUNDS})`, results.postCreatesPerSec.toFixed(0)],
      [`server-side apply creates/s (same)`, results.ssaCreatesPerSec.toFixed(0)],
      ["ratio (target >= 0.7)", results.ssaToPost.toFixed(2)],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
    process.stdout.write(`${JSON.stringify({ bench: "openapi-apply", ...results })}\n`);
  } finally {
    agent?.destroy();
    s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
