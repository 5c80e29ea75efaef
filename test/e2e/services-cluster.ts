/**
 * A small in-process cluster for the Services e2e tests: API server on a random service range,
 * controllers, scheduler and N kubelets on distinct random loopback node IPs (127.R.S.2, .3, ...),
 * so that test files running at once (or other engineers' tests) never share a node port or a
 * cluster IP. With `tls`, the server speaks HTTPS (what the real kubectl needs). Plus an HTTP helper that opens a fresh connection per request.
 */
import http from "node:http";
import { randomInt } from "node:crypto";
import { startControllerManager, type ControllerManager } from "../../controllers/index.js";
import { startKubelet, type Kubelet } from "../../kubelet/index.js";
import { LABEL_NODE } from "../../kubelet/labels.js";
import type { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { createLogger, silentLogger } from "../../lib/logger.js";
import { startScheduler, type RunningScheduler } from "../../scheduler/index.js";
import { assertDockerReady, docker, removeByLabel, runId, TEST_RUN_LABEL } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

export interface SvcCluster {
  srv: TestServer;
  client: ApiClient;
  run: string;
  nodes: { name: string; ip: string }[];
  serviceCidr: string;
  close(): Promise<void>;
}

/** Start the cluster; `close()` removes exactly this run's containers. */
export async function startSvcCluster(prefix: string, nodeCount: number, opts: { tls?: boolean; images?: string[] } = {}): Promise<SvcCluster> {
  const d = docker();
  await assertDockerReady(d, opts.images ?? ["kctl-test/web:v1", "kctl-test/web:v2", "kctl-test/busybox:v1"]);
  const run = runId(prefix);
  // A /24 inside the default 10.96.0.0/12 (routed by every kubelet), away from 10.96.0.x.
  const serviceCidr = `10.${97 + randomInt(15)}.${randomInt(256)}.0/24`;
  const srv = await startTestServer({ serviceCidr, tls: opts.tls });
  // KCTL_TEST_LOG=/path/file.log keeps the components' logs of a run (debugging a failure).
  const logger = process.env.KCTL_TEST_LOG ? createLogger({ destination: process.env.KCTL_TEST_LOG, level: process.env.KCTL_LOG_LEVEL ?? "debug" }) : silentLogger();
  const cm: ControllerManager = await startControllerManager({ client: srv.client, logger });
  const sched: RunningScheduler = await startScheduler({ client: srv.client, logger });
  const a = 10 + randomInt(240);
  const b = randomInt(256);
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ name: `${run}-n${i + 1}`, ip: `127.${a}.${b}.${i + 2}` }));
  const kubelets: Kubelet[] = [];
  for (const n of nodes) {
    kubelets.push(
      await startKubelet({
        client: srv.client,
        logger,
        nodeName: n.name,
        nodeIP: n.ip,
        containerLabels: { [TEST_RUN_LABEL]: run },
        dataDir: `${srv.dataDir}/kubelet-${n.name}`,
        heartbeatSeconds: 1,
      }),
    );
  }
  return {
    srv,
    client: srv.client,
    run,
    nodes,
    serviceCidr,
    async close() {
      for (const k of kubelets) await k.stop().catch(() => undefined);
      await sched.stop().catch(() => undefined);
      await cm.stop().catch(() => undefined);
      await removeByLabel(d, TEST_RUN_LABEL, run);
      for (const n of nodes) await removeByLabel(d, LABEL_NODE, n.name);
      await srv.close();
    },
  };
}

/** GET http://host:port/path on a fresh connection; resolves with status and body, rejects on any socket error. */
export function httpGet(host: string, port: number, path = "/", timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Run a shell command in a pod's (only) container; exit code and output. */
export async function execInPod(client: ApiClient, pod: string, cmd: string, timeoutMs = 15_000, namespace = "default"): Promise<{ code: number; out: string }> {
  const p = await client.get<Pod>("Pod", pod, namespace);
  const id = p.status?.containerStatuses?.[0]?.containerID?.replace("docker://", "") ?? "";
  const exec = await docker().getContainer(id).exec({ Cmd: ["sh", "-c", cmd], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => (stream.destroy(), reject(new Error(`exec timed out: ${cmd}`))), timeoutMs);
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", () => (clearTimeout(t), resolve()));
    stream.on("error", (e: Error) => (clearTimeout(t), reject(e)));
  });
  // Strip the 8-byte stream headers of the multiplexed output.
  const raw = Buffer.concat(chunks);
  let out = "";
  for (let off = 0; off + 8 <= raw.length; ) {
    const len = raw.readUInt32BE(off + 4);
    out += raw.subarray(off + 8, off + 8 + len).toString("utf8");
    off += 8 + len;
  }
  return { code: (await exec.inspect()).ExitCode ?? -1, out: out.trim() };
}
