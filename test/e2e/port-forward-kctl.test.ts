/**
 * `kctl port-forward` (SPDY/3.1 through the API server and the kubelet, into a pod running busybox
 * httpd in Docker), and the API's answers to bad port-forward requests.
 */
import https from "node:https";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../../lib/client.js";
import type { Pod } from "../../lib/types.js";
import { kctl, startKctl, type KctlProcess } from "../helpers/cli.js";
import { type NodeKubelet, runId, startNodeKubelet } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { bigFilePod, byteCounterPod, connect, httpGet, httpGetLength, rawHttpGet, upload, webPod } from "./port-forward-fixtures.js";

const RUN = runId("kctl-pf");

describe("kctl port-forward", () => {
  let srv: TestServer;
  let admin: ApiClient;
  let node: NodeKubelet | undefined;
  const running: KctlProcess[] = [];

  function forward(args: string[]): KctlProcess {
    const p = startKctl(["--kubeconfig", srv.kubeconfigPath, "port-forward", ...args]);
    running.push(p);
    return p;
  }

  async function localPort(p: KctlProcess, remote: number, host = "127.0.0.1"): Promise<number> {
    const re = new RegExp(`Forwarding from ${host.replace(/\./g, "\\.")}:(\\d+) -> ${remote}\\n`);
    const out = await p.waitFor((o) => re.test(o), 20_000);
    return Number(re.exec(out)![1]);
  }

  async function exitOf(p: KctlProcess): Promise<number | null> {
    return new Promise((r) => (p.child.exitCode !== null ? r(p.child.exitCode) : p.child.once("close", (code) => r(code))));
  }

  async function running_(name: string): Promise<void> {
    await eventually(`pod ${name} Running`, async () => (await admin.get<Pod>("Pod", name, "default")).status?.phase === "Running", { timeoutMs: 30_000 });
  }

  beforeAll(async () => {
    srv = await startTestServer({ tls: true });
    admin = srv.client;
    node = await startNodeKubelet(srv, RUN, RUN);
    await admin.create(webPod("pf-web", RUN, { app: "pf-web" }));
    // no scheduler runs here: a pod without a node stays Pending
    await admin.create({ ...webPod("pf-pending", RUN), spec: { ...webPod("pf-pending", RUN).spec, nodeName: undefined } } as Pod);
    await running_("pf-web");
  }, 60_000);

  afterEach(async () => {
    for (const p of running.splice(0)) await p.kill();
  });

  afterAll(async () => {
    await node?.stop();
    await srv?.close();
  });

  it("forwards HTTP to the pod's page, on the address asked for", async () => {
    const p = forward(["pf-web", ":8080", "--address", "127.0.0.1"]);
    const port = await localPort(p, 8080);
    expect(await httpGet(port, "/")).toMatch(/^v1 /);
    expect(p.stdout()).toContain(`Handling connection for ${port}`);
    expect(p.stdout()).not.toContain("[::1]");
  });

  it("large transfers both ways, several at once: downloads whole, uploads ended by the half-close", async () => {
    await admin.create(bigFilePod("pf-big", RUN, 8));
    await admin.create(byteCounterPod("pf-count", RUN));
    for (const name of ["pf-big", "pf-count"]) {
      await eventually(`pod ${name} Ready`, async () => (await admin.get<Pod>("Pod", name, "default")).status?.containerStatuses?.[0]?.ready, { timeoutMs: 30_000 });
    }
    const down = forward(["pf-big", ":8080"]);
    const downPort = await localPort(down, 8080);
    expect(await Promise.all([1, 2, 3].map(() => httpGetLength(downPort, "/big")))).toEqual([8 << 20, 8 << 20, 8 << 20]);
    const up = forward(["pf-count", ":9000"]);
    const upPort = await localPort(up, 9000);
    expect(await Promise.all([upload(upPort, 5_000_000), upload(upPort, 1), upload(upPort, 0)])).toEqual(["5000000", "1", "0"]);
  });

  it("a client that keeps sending after the pod closed does not stall the other connections", async () => {
    const p = forward(["pf-web", ":8080"]);
    const port = await localPort(p, 8080);
    // half-open allowed: after the pod's FIN this client can still send
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(c));
      c.once("error", reject);
    });
    let got = "";
    s.setEncoding("utf8").on("data", (d: string) => (got += d));
    const ended = new Promise((r) => s.once("end", r));
    s.write("GET / HTTP/1.0\r\n\r\n");
    await ended; // httpd answered and closed its side
    expect(got).toMatch(/\r\n\r\nv1 /);
    s.write(Buffer.alloc(2 << 20)); // 2 MiB the pod will never read
    expect(await httpGet(port, "/")).toMatch(/^v1 /);
    s.destroy();
    expect(await httpGet(port, "/")).toMatch(/^v1 /);
  });

  it("two connections at once", async () => {
    const p = forward(["pod/pf-web", ":8080"]);
    const port = await localPort(p, 8080);
    const [a, b] = await Promise.all([connect(port), connect(port)]);
    const second = rawHttpGet(b, "/healthz");
    const first = rawHttpGet(a, "/");
    expect(await second).toMatch(/\r\n\r\nok\n$/);
    expect(await first).toMatch(/\r\n\r\nv1 /);
  });

  it("a port nothing listens on: an error on that connection, the tunnel keeps working", async () => {
    const p = forward(["pod/pf-web", ":8080", ":9999"]);
    const good = await localPort(p, 8080);
    const bad = await localPort(p, 9999);
    expect(await rawHttpGet(await connect(bad), "/")).toBe("");
    await eventually("the error line", () => p.stderr().includes(`error: an error occurred forwarding ${bad} -> 9999: error forwarding port 9999 to pod default/pf-web`));
    expect(p.stderr()).toMatch(/ECONNREFUSED/);
    // the same tunnel still serves the other port, and the bad one again, and stays up
    expect(await httpGet(good, "/")).toMatch(/^v1 /);
    expect(await rawHttpGet(await connect(bad), "/")).toBe("");
    expect(await httpGet(good, "/")).toMatch(/^v1 /);
    expect(p.child.exitCode).toBeNull();
  });

  it("svc/NAME maps the service port to its targetPort; deployment/NAME picks its pod", async () => {
    await admin.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "pf-svc", namespace: "default" },
      spec: { selector: { app: "pf-web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    await admin.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "pf-dep", namespace: "default" },
      spec: { replicas: 0, selector: { matchLabels: { app: "pf-web" } }, template: { metadata: { labels: { app: "pf-web" } }, spec: { containers: [{ name: "web", image: "kctl-test/web:v1" }] } } },
    });
    const viaSvc = forward(["svc/pf-svc", ":http"]);
    expect(await httpGet(await localPort(viaSvc, 8080), "/")).toMatch(/^v1 /);
    const viaDep = forward(["deployment/pf-dep", ":8080"]);
    expect(await httpGet(await localPort(viaDep, 8080), "/")).toMatch(/^v1 /);
    const noSuchPort = await kctl(["--kubeconfig", srv.kubeconfigPath, "port-forward", "svc/pf-svc", "81"]);
    expect(noSuchPort).toMatchObject({ code: 1, stdout: "", stderr: "error: Service pf-svc does not have a service port 81\n" });
  });

  it("a pod that is not Running: one readable line, a non-zero exit, nothing changed", async () => {
    const before = await admin.get<Pod>("Pod", "pf-pending", "default");
    const r = await kctl(["--kubeconfig", srv.kubeconfigPath, "port-forward", "pf-pending", "8080"]);
    expect(r).toMatchObject({ code: 1, stdout: "", stderr: "error: unable to forward port because pod is not running. Current status=Pending\n" });
    expect((await admin.get<Pod>("Pod", "pf-pending", "default")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const bad = await kctl(["--kubeconfig", srv.kubeconfigPath, "port-forward", "pf-web", "8080:0"]);
    expect(bad).toMatchObject({ code: 1, stderr: "error: remote port must be > 0 and < 65536, got 0\n" });
  });

  it("the API refuses a non-upgrade request and a pod that is not Running with a Status", async () => {
    const call = (name: string, headers: Record<string, string>, token = srv.token): Promise<{ code: number; body: { kind?: string; reason?: string; message?: string } }> =>
      new Promise((resolve, reject) => {
        const u = new URL(srv.url);
        const req = https.request(
          { host: u.hostname, port: u.port, method: "POST", path: `/api/v1/namespaces/default/pods/${name}/portforward`, ca: srv.caPem, agent: false, headers: { authorization: `Bearer ${token}`, ...headers } },
          (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (d: string) => (body += d));
            res.on("end", () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(body) }));
          },
        );
        req.on("error", reject);
        req.end();
      });
    const plain = await call("pf-web", {});
    expect(plain).toMatchObject({ code: 400, body: { kind: "Status", reason: "BadRequest" } });
    expect(plain.body.message).toMatch(/^Upgrade request required/);
    const pending = await call("pf-pending", { connection: "Upgrade", upgrade: "SPDY/3.1", "x-stream-protocol-version": "portforward.k8s.io" });
    expect(pending).toMatchObject({ code: 400, body: { reason: "BadRequest", message: "unable to forward port because pod is not running. Current status=Pending" } });
    const missing = await call("nope", { connection: "Upgrade", upgrade: "SPDY/3.1" });
    expect(missing).toMatchObject({ code: 404, body: { reason: "NotFound" } });
    // as in Kubernetes' default roles: edit may port-forward, view may not
    const tokenOf = async (role: string): Promise<string> => {
      const r = await kctl(["token", "create", "--role", role, "--server", srv.url, "--token", srv.token, "--kubeconfig", srv.kubeconfigPath]);
      expect(r.code).toBe(0);
      return r.stdout.trim();
    };
    const asView = await call("pf-web", { connection: "Upgrade", upgrade: "SPDY/3.1" }, await tokenOf("view"));
    expect(asView).toMatchObject({ code: 403, body: { reason: "Forbidden" } });
    expect(asView.body.message).toMatch(/cannot create resource "pods\/portforward" in the namespace "default"/);
    const asEdit = await call("pf-pending", { connection: "Upgrade", upgrade: "SPDY/3.1" }, await tokenOf("edit"));
    expect(asEdit).toMatchObject({ code: 400, body: { reason: "BadRequest" } }); // authorized, then refused for the pod's phase
  });

  it("the pod goes away: 'lost connection to pod', exit 1", async () => {
    await admin.create(webPod("pf-gone", RUN));
    await running_("pf-gone");
    const p = forward(["pf-gone", ":8080"]);
    expect(await httpGet(await localPort(p, 8080), "/")).toMatch(/^v1 /);
    await admin.delete("Pod", "pf-gone", { namespace: "default" });
    expect(await exitOf(p)).toBe(1);
    expect(p.stderr()).toBe("error: lost connection to pod\n");
  });
});
