/**
 * End to end: the real API server (with the pod proxy), the real kubelet (pods started by it on
 * Docker, its kubelet server wired to the node token) and the real `kctl logs` / `kctl exec`
 * binaries. Pods are bound to the node directly (no scheduler needed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { kctl, startKctl } from "../helpers/cli.js";
import { assertDockerReady, docker, type NodeKubelet, runId, startNodeKubelet, TEST_RUN_LABEL } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const RUN = runId("logs-exec");
const NODE = RUN;
let srv: TestServer;
let node: NodeKubelet | undefined;

const LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done";

function pod(name: string, containers: { name: string; image?: string; script?: string }[], labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: containers.map((c) => ({
        name: c.name,
        image: c.image ?? "kctl-test/busybox:v1",
        imagePullPolicy: "Never",
        ...(c.script ? { command: ["/bin/sh", "-c", c.script] } : {}),
      })),
    },
  } as Pod;
}

const args = (...a: string[]): string[] => ["--server", srv.url, "--token", srv.token, ...a];

async function running(name: string, minRestarts = 0): Promise<Pod> {
  return eventually("condition", async () => {
    const p = await srv.client.get<Pod>("Pod", name, "default");
    const ok = p.status?.containerStatuses?.every((s) => s.state?.running && s.restartCount >= minRestarts);
    return ok && p.status?.containerStatuses?.length ? p : undefined;
  }, { timeoutMs: 20_000 });
}

describe("kctl logs / exec end to end (API server + kubelet + Docker)", () => {
  beforeAll(async () => {
    await assertDockerReady(docker(), ["kctl-test/busybox:v1", "kctl-test/crash:v1"]);
    srv = await startTestServer();
    // The kubelet is a node like any other: its own credential, and a CA-signed kubelet certificate
    // (the API server reaches it over mutual TLS).
    node = await startNodeKubelet(srv, NODE, RUN, { heartbeatSeconds: 1 });
    for (const p of [
      pod("web-a", [{ name: "web", script: `echo hello from web-a; ${LOOP}` }], { app: "web" }),
      pod("web-b", [{ name: "web", script: `echo hello from web-b; ${LOOP}` }], { app: "web" }),
      pod("duo", [
        { name: "a", script: LOOP },
        { name: "b", script: LOOP },
      ]),
      pod("crash", [{ name: "crash", image: "kctl-test/crash:v1" }]),
    ]) {
      await srv.client.create(p);
    }
    await Promise.all(["web-a", "web-b", "duo"].map((n) => running(n)));
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await srv?.close();
  });

  it("kctl exec passes output through and the remote exit code out", async () => {
    const ok = await kctl(args("exec", "web-a", "--", "sh", "-c", "echo out; echo err >&2"));
    expect(ok).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
    const bad = await kctl(args("exec", "web-a", "--", "sh", "-c", "exit 7"));
    expect(bad.code).toBe(7);
    expect(bad.stderr).toBe("command terminated with exit code 7\n");
  });

  it("kctl exec -i pipes stdin", async () => {
    const r = await kctl(args("exec", "-i", "web-a", "--", "sh", "-c", "wc -l; cat"), { input: "x\ny\n" });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("2");
  });

  it("kctl logs and logs -f (lines written after it started arrive)", async () => {
    const once = await eventually("condition", async () => {
      const r = await kctl(args("logs", "web-a"));
      return r.stdout.includes("hello from web-a") ? r : undefined;
    });
    expect(once.stdout).toBe("hello from web-a\n");
    const follow = startKctl(args("logs", "-f", "web-a"));
    try {
      await follow.waitFor((o) => o.includes("hello from web-a"));
      const w = await kctl(args("exec", "web-a", "--", "sh", "-c", "echo written later > /proc/1/fd/1"));
      expect(w.code).toBe(0);
      await follow.waitFor((o) => o.includes("written later\n"));
    } finally {
      await follow.kill();
    }
  });

  it("kctl logs -l app=web --prefix", async () => {
    const r = await eventually("condition", async () => {
      const x = await kctl(args("logs", "-l", "app=web", "--prefix"));
      return x.stdout.includes("web-a") && x.stdout.includes("web-b") ? x : undefined;
    });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toContain("[pod/web-a/web] hello from web-a");
    expect(lines).toContain("[pod/web-b/web] hello from web-b");
    expect(lines.every((l) => /^\[pod\/web-[ab]\/web\] /.test(l))).toBe(true);
  });

  it("kctl logs -l: a pod whose logs cannot be read stops it, unless --ignore-errors", async () => {
    // on a node that does not exist: the API server cannot reach a kubelet for it
    const lost = pod("web-lost", [{ name: "web", script: LOOP }]);
    lost.spec.nodeName = "no-such-node";
    lost.metadata.labels = { ...lost.metadata.labels, app: "web" };
    await srv.client.create(lost);
    try {
      const strict = await kctl(args("logs", "-l", "app=web", "--prefix"));
      expect(strict.code).toBe(1);
      expect(strict.stderr).toMatch(/^error: .*no-such-node/m);
      const lenient = await kctl(args("logs", "-l", "app=web", "--prefix", "--ignore-errors"));
      expect(lenient.code, lenient.stderr).toBe(0);
      const lines = lenient.stdout.trimEnd().split("\n");
      expect(lines).toContain("[pod/web-a/web] hello from web-a");
      expect(lines).toContain("[pod/web-b/web] hello from web-b");
      expect(lines.filter((l) => l.startsWith("error: "))).toHaveLength(1);
    } finally {
      await srv.client.delete("Pod", "web-lost", { namespace: "default", gracePeriodSeconds: 0 });
    }
  });

  it("kctl logs --tail, --timestamps, --since", async () => {
    const r = await kctl(args("logs", "web-b", "--tail", "1", "--timestamps", "--since", "1h"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z hello from web-b\n$/);
    const bad = await kctl(args("logs", "web-b", "--since", "soon"));
    expect(bad).toMatchObject({ code: 1, stderr: 'error: invalid duration "soon": use a number and a unit, such as 30s, 5m or 1h\n' });
  });

  it("kctl logs deploy/NAME reads one pod of the workload", async () => {
    // only the object is needed: its selector picks the pods (no controller involved)
    await srv.client.create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "kctl-test/busybox:v1" }] } },
      },
    });
    const r = await kctl(args("logs", "deploy/web", "--tail", "1"));
    expect(r.stderr).toBe("Found 2 pods, using pod/web-a\n");
    expect(r.stdout).toMatch(/^(hello from web-a|written later)\n$/);
  });

  it("kctl logs --previous shows the terminated instance of a restarted container", async () => {
    await eventually("condition", async () => {
      const p = await srv.client.get<Pod>("Pod", "crash", "default");
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 || undefined;
    }, { timeoutMs: 20_000 });
    const r = await kctl(args("logs", "-p", "crash"));
    if (r.code !== 0) {
      const cs = await docker().listContainers({ all: true, filters: { label: [`io.kubernetes.pod.name=crash`, `${TEST_RUN_LABEL}=${RUN}`] } });
      throw new Error(`${r.stderr} containers: ${JSON.stringify(cs.map((c) => [c.State, c.Labels]))}`);
    }
    expect(r).toMatchObject({ code: 0, stdout: "crashing\n" });
  });

  it("errors: unknown pod, ambiguous container, a caller without rights", async () => {
    const unknown = await kctl(args("logs", "nope"));
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: pods "nope" not found\n' });
    const ambiguous = await kctl(args("exec", "duo", "--", "true"));
    expect(ambiguous).toMatchObject({ code: 1, stderr: "error: a container name must be specified for pod duo, choose one of: [a b]\n" });
    const inB = await kctl(args("exec", "duo", "-c", "b", "--", "echo", "b here"));
    expect(inB).toMatchObject({ code: 0, stdout: "b here\n" });
    const viewer = srv.server.app.kctl.tokens.createToken("view", "viewer");
    const denied = await kctl(["--server", srv.url, "--token", viewer, "exec", "web-a", "--", "true"]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: pods\/exec is forbidden: User "viewer" cannot create/);
  });
});
