/**
 * The real kubectl port-forward (v1.32: SPDY/3.1 tunnelled over WebSocket, falling back to
 * SPDY/3.1) through our API server and kubelet into a pod running busybox httpd in Docker. kubectl
 * is part of the test environment: without it the suite fails rather than skipping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { type NodeKubelet, runId, startNodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { assertKubectl, KUBECTL } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { httpGet, rawHttpGet, webPod } from "./port-forward-fixtures.js";

const RUN = runId("kubectl-pf");

/** A running `kubectl port-forward`, its output, and the local port it bound for `remote`. */
interface Forward {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
  localPort(remote: number): Promise<number>;
}

describe("real kubectl port-forward", () => {
  let srv: TestServer;
  let admin: ApiClient;
  let node: NodeKubelet | undefined;
  const running: Forward[] = [];

  function forward(args: string[]): Forward {
    const child = spawn(KUBECTL, ["--kubeconfig", srv.kubeconfigPath, "port-forward", ...args], { env: { ...process.env, HOME: srv.dataDir }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    const f: Forward = {
      child,
      out: () => out,
      err: () => err,
      exited,
      localPort: (remote) =>
        eventually(`kubectl forwarding to ${remote} (stdout: ${out} stderr: ${err})`, () => {
          const m = new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(out);
          return m ? Number(m[1]) : undefined;
        }),
    };
    running.push(f);
    return f;
  }

  beforeAll(async () => {
    assertKubectl("these tests check port-forward against the real kubectl");
    srv = await startTestServer({ tls: true });
    admin = srv.client;
    node = await startNodeKubelet(srv, RUN, RUN);
    await admin.create(webPod("pf-web", RUN));
    await eventually("pod pf-web Running", async () => {
      const p = await admin.get<Pod>("Pod", "pf-web", "default");
      return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, { timeoutMs: 30_000 });
  }, 60_000);

  afterEach(async () => {
    for (const f of running.splice(0)) {
      if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill("SIGTERM");
      await f.exited;
    }
  });

  afterAll(async () => {
    await node?.stop();
    await srv?.close();
  });

  it("an HTTP request through the forwarded port returns the pod's page", async () => {
    const f = forward(["pod/pf-web", ":8080"]);
    const port = await f.localPort(8080);
    const page = await httpGet(port, "/");
    expect(page).toMatch(/^v1 /);
    expect(f.out()).toContain(`Handling connection for ${port}`);
  });
});
