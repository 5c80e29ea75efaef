/**
 * The real kubectl port-forward (v1.32: SPDY/3.1 tunnelled over WebSocket, falling back to
 * SPDY/3.1) through our API server and kubelet into a pod running busybox httpd in Docker. kubectl
 * is part of the test environment: without it the suite fails rather than skipping.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { type NodeKubelet, runId, startNodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { assertKubectl, KUBECTL } from "../helpers/kubectl.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { bigFilePod, byteCounterPod, connect, httpGet, httpGetLength, rawHttpGet, upload, webPod } from "./port-forward-fixtures.js";

const RUN = runId("kubectl-pf");
/**
 * /usr/bin/kubectl is Google Cloud SDK's dispatcher: it runs the kubectl matching the server's
 * minor version (1.30 for kctl), which speaks plain SPDY/3.1. kubectl 1.32 itself tunnels SPDY in
 * WebSocket first; it is called directly to cover that path.
 */
const KUBECTL_132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

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

  function forward(args: string[], bin = KUBECTL): Forward {
    const child = spawn(bin, ["--kubeconfig", srv.kubeconfigPath, "port-forward", ...(process.env.PF_V ? ["-v=7"] : []), ...args], { env: { ...process.env, HOME: srv.dataDir }, stdio: ["ignore", "pipe", "pipe"] });
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

  it("kubectl 1.32: SPDY tunnelled over WebSocket, the same page", async () => {
    assertKubectl("kubectl 1.32 is the WebSocket port-forward client");
    const f = forward(["pf-web", ":8080"], KUBECTL_132);
    const port = await f.localPort(8080);
    expect(await httpGet(port, "/")).toMatch(/^v1 /);
    const [a, b] = await Promise.all([httpGet(port, "/"), httpGet(port, "/")]);
    expect([a, b]).toEqual([expect.stringMatching(/^v1 /), expect.stringMatching(/^v1 /)]);
  });

  it("kubectl 1.32 over WebSocket: the pod going away ends the forward", async () => {
    await admin.create(webPod("pf-gone-ws", RUN));
    await eventually("pod pf-gone-ws Running", async () => (await admin.get<Pod>("Pod", "pf-gone-ws", "default")).status?.phase === "Running", { timeoutMs: 30_000 });
    const f = forward(["pod/pf-gone-ws", ":8080"], KUBECTL_132);
    expect(await httpGet(await f.localPort(8080), "/")).toMatch(/^v1 /);
    await admin.delete("Pod", "pf-gone-ws", { namespace: "default" });
    expect(await f.exited).not.toBe(0);
    expect(f.err()).toContain("lost connection to pod");
  });

  it("8 MiB through kubectl 1.32's WebSocket tunnel and kubectl 1.30's SPDY, three downloads at once", async () => {
    await admin.create(bigFilePod("pf-big", RUN, 8));
    await eventually("pod pf-big Ready", async () => (await admin.get<Pod>("Pod", "pf-big", "default")).status?.containerStatuses?.[0]?.ready, { timeoutMs: 30_000 });
    for (const bin of [KUBECTL_132, KUBECTL]) {
      const f = forward(["pod/pf-big", ":8080"], bin);
      const port = await f.localPort(8080);
      expect(await httpGetLength(port, "/big")).toBe(8 << 20);
      expect(await Promise.all([1, 2, 3].map(() => httpGetLength(port, "/big")))).toEqual([8 << 20, 8 << 20, 8 << 20]);
    }
  });

  it("uploads reach the pod whole and the client's half-close ends them (both kubectl transports)", async () => {
    await admin.create(byteCounterPod("pf-count", RUN));
    await eventually("pod pf-count Ready", async () => (await admin.get<Pod>("Pod", "pf-count", "default")).status?.containerStatuses?.[0]?.ready, { timeoutMs: 30_000 });
    for (const bin of [KUBECTL_132, KUBECTL]) {
      const f = forward(["pod/pf-count", ":9000"], bin);
      const port = await f.localPort(9000);
      expect(await Promise.all([upload(port, 3_000_000), upload(port, 10)])).toEqual(["3000000", "10"]);
    }
  });

  it("two connections at once, each answered on its own", async () => {
    const f = forward(["pod/pf-web", ":8080"]);
    const port = await f.localPort(8080);
    // both open before either sends: two stream pairs live on one SPDY connection
    const [a, b] = await Promise.all([connect(port), connect(port)]);
    const second = rawHttpGet(b, "/healthz");
    const first = rawHttpGet(a, "/");
    expect(await second).toMatch(/^HTTP\/1\.[01] 200[\s\S]*\r\n\r\nok\n$/);
    expect(await first).toMatch(/\r\n\r\nv1 /);
  });

  it("a port nothing listens on: an error for that connection, naming the port", async () => {
    const f = forward(["pod/pf-web", ":8080", ":9999"]);
    const good = await f.localPort(8080);
    const bad = await f.localPort(9999);
    expect(await httpGet(good, "/")).toMatch(/^v1 /);
    const s = await connect(bad);
    expect(await rawHttpGet(s, "/")).toBe(""); // closed without a byte
    await eventually("kubectl reports the error", () => /error forwarding port 9999 to pod default\/pf-web/.test(f.err()));
    expect(f.err()).toMatch(/connect(ion)? refused|ECONNREFUSED/i);
    // kubectl (1.30 here, 1.32 alike) ends the whole forward on such an error (client-go closes its connection):
    // it exits with "lost connection to pod" and a non-zero code. The server keeps nothing open.
    expect(await f.exited).not.toBe(0);
    expect(f.err()).toContain("lost connection to pod");
  });

  it("deployment/NAME and svc/NAME are resolved to a pod (svc: port to targetPort)", async () => {
    await admin.create(webPod("pf-app", RUN, { app: "pf-app" }));
    await admin.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "pf-app", namespace: "default" },
      spec: { replicas: 0, selector: { matchLabels: { app: "pf-app" } }, template: { metadata: { labels: { app: "pf-app" } }, spec: { containers: [{ name: "web", image: "kctl-test/web:v1" }] } } },
    });
    await admin.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "pf-svc", namespace: "default" },
      spec: { selector: { app: "pf-app" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    await eventually("pod pf-app Running", async () => (await admin.get<Pod>("Pod", "pf-app", "default")).status?.phase === "Running", { timeoutMs: 30_000 });
    const viaSvc = forward(["svc/pf-svc", ":80"]);
    expect(await httpGet(await viaSvc.localPort(80), "/")).toMatch(/^v1 /);
    const viaDeploy = forward(["deployment/pf-app", ":8080"]);
    expect(await httpGet(await viaDeploy.localPort(8080), "/")).toMatch(/^v1 /);
  });

  it("a pod that is not Running: kubectl says so and exits non-zero", async () => {
    await admin.create({ ...webPod("pf-pending", RUN), spec: { ...webPod("pf-pending", RUN).spec, nodeName: undefined } } as Pod);
    const f = forward(["pod/pf-pending", ":8080"]);
    expect(await f.exited).not.toBe(0);
    expect(f.err()).toContain("unable to forward port because pod is not running. Current status=Pending");
  });

  it("the pod goes away: the forward ends cleanly", async () => {
    await admin.create(webPod("pf-gone", RUN));
    await eventually("pod pf-gone Running", async () => (await admin.get<Pod>("Pod", "pf-gone", "default")).status?.phase === "Running", { timeoutMs: 30_000 });
    const f = forward(["pod/pf-gone", ":8080"]);
    expect(await httpGet(await f.localPort(8080), "/")).toMatch(/^v1 /);
    await admin.delete("Pod", "pf-gone", { namespace: "default" });
    expect(await f.exited).not.toBe(0);
    expect(f.err()).toContain("lost connection to pod");
  });
});
