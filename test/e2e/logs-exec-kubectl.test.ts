/**
 * The real kubectl (v1.32: exec over WebSocket, v5.channel.k8s.io) against our API server, pod
 * proxy and kubelet. kubectl only sends bearer tokens over TLS, so the server serves HTTPS with
 * its cluster CA (startTestServer({ tls: true })). kubectl is part of this project's test
 * environment: without it the suite fails, naming what is missing, rather than skipping.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { type NodeKubelet, runId, startNodeKubelet } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const KUBECTL = "/usr/bin/kubectl";
const RUN = runId("kubectl-exec");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("real kubectl logs / exec", () => {
  let srv: TestServer;
  let admin: ApiClient;
  let node: NodeKubelet | undefined;

  function kubectl(args: string[], input = ""): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(KUBECTL, ["--kubeconfig", srv.kubeconfigPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ code: child.exitCode ?? (err ? 1 : 0), stdout, stderr });
      });
      child.stdin?.end(input);
    });
  }

  beforeAll(async () => {
    if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} is missing: these tests check kctl against the real kubectl`);
    srv = await startTestServer({ tls: true });
    admin = srv.client;
    // The kubelet is a node like any other: its own credential, and a CA-signed kubelet certificate
    // (the API server reaches it over mutual TLS).
    node = await startNodeKubelet(srv, RUN, RUN);
    await admin.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "kx", namespace: "default" },
      spec: {
        nodeName: RUN,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "main", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["/bin/sh", "-c", "echo hello kubectl; trap 'exit 0' TERM; while true; do sleep 1; done"] }],
      },
    } as Pod);
    await eventually("condition", async () => {
      const p = await admin.get<Pod>("Pod", "kx", "default");
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, { timeoutMs: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await srv?.close();
  });

  it("kubectl logs", async () => {
    const r = await eventually("condition", async () => {
      const x = await kubectl(["logs", "kx"]);
      return x.stdout.includes("hello kubectl") ? x : undefined;
    });
    expect(r).toMatchObject({ code: 0, stdout: "hello kubectl\n" });
  });

  it("kubectl exec: output, stdin and the exit code", async () => {
    const ok = await kubectl(["exec", "kx", "--", "sh", "-c", "echo out; echo err >&2"]);
    expect(ok).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
    const piped = await kubectl(["exec", "-i", "kx", "--", "sh", "-c", "tr a-z A-Z"], "piped\n");
    expect(piped).toMatchObject({ code: 0, stdout: "PIPED\n" });
    const bad = await kubectl(["exec", "kx", "--", "sh", "-c", "exit 4"]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("command terminated with exit code 4");
  });

  it("kctl logs / exec over TLS too (wss:// with the kubeconfig's CA)", async () => {
    const logs = await kctl(["--kubeconfig", srv.kubeconfigPath, "logs", "kx"]);
    expect(logs).toMatchObject({ code: 0, stdout: "hello kubectl\n" });
    const ex = await kctl(["--kubeconfig", srv.kubeconfigPath, "exec", "kx", "--", "sh", "-c", "echo over tls; exit 5"]);
    expect(ex).toMatchObject({ code: 5, stdout: "over tls\n", stderr: "command terminated with exit code 5\n" });
  });
});
