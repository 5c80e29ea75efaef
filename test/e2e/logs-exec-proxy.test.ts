/**
 * kctl logs / kctl exec (the real binary) -> pod proxy routes -> kubelet server -> Docker.
 * The API server here is a stand-in: a fastify app with @fastify/websocket, a bearer check and
 * pod reads from an in-memory store, so the proxy and the CLI are tested without the kubelet
 * core (containers are created here with the kubelet's labels).
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import Dockerode from "dockerode";
import Fastify, { type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, notFound } from "../../lib/errors.js";
import { silentLogger } from "../../lib/logger.js";
import { parseSelector } from "../../lib/selector.js";
import type { KObject, Node, Pod } from "../../lib/types.js";
import {
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_RESTART_COUNT,
  LABEL_ROLE,
} from "../../kubelet/labels.js";
import { startKubeletServer } from "../../kubelet/server/index.js";
import { registerPodProxyRoutes } from "../../apiserver/routes/pod-proxy.js";
import { storedEntry } from "../../apiserver/store/stored-entry.js";
import { eventually } from "../helpers/eventually.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const docker = new Dockerode();
const RUN = randomBytes(4).toString("hex");
const TEST_LABEL = "kctl.test/logs-exec";
const NODE = `proxy-node-${RUN}`;
const ADMIN = `admin-${RUN}`;
const NODE_TOKEN = `node-${RUN}`;

const objects = new Map<string, KObject>();
const store = { get: (resource: string, ns: string, name: string) => {
  const obj = objects.get(`${resource}/${ns}/${name}`);
  return obj ? storedEntry(resource, ns, name, JSON.stringify(obj), 1) : undefined;
} };
const apps: FastifyInstance[] = [];
/** the stand-in API servers: with @fastify/websocket registered (as a server serving watch over
 * WebSocket would) and without it (upgrades then reach the route as plain requests) */
const urls = { plugin: "", plain: "" };
let url = "";

async function standInApiServer(withPlugin: boolean): Promise<string> {
  const app = Fastify();
  apps.push(app);
  if (withPlugin) await app.register(websocket);
  app.setErrorHandler((err, _req, reply) => {
    const e = err instanceof ApiError ? err : new ApiError("InternalError", String(err));
    void reply.code(e.code).send(e.toStatus());
  });
  app.addHook("onRequest", async (req) => {
    if (req.headers.authorization !== `Bearer ${ADMIN}`) throw new ApiError("Unauthorized", "Unauthorized");
  });
  app.get<{ Params: { ns: string; name: string } }>("/api/v1/namespaces/:ns/pods/:name", async (req) => {
    const p = objects.get(`pods/${req.params.ns}/${req.params.name}`);
    if (!p) throw notFound("pods", req.params.name);
    return p;
  });
  app.get<{ Params: { ns: string }; Querystring: { labelSelector?: string } }>("/api/v1/namespaces/:ns/pods", async (req) => {
    const sel = parseSelector(req.query.labelSelector ?? "");
    const items = [...objects.values()].filter((o) => o.kind === "Pod" && sel.matches(o.metadata.labels ?? {}));
    return { apiVersion: "v1", kind: "PodList", metadata: {}, items };
  });
  registerPodProxyRoutes(app, { store, kubeletToken: NODE_TOKEN });
  return app.listen({ host: "127.0.0.1", port: 0 });
}
let kubelet: { port: number; close(): Promise<void> };

function pod(name: string, containers: string[], labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels, uid: `uid-${name}` },
    spec: { nodeName: NODE, containers: containers.map((c) => ({ name: c, image: "kctl-test/busybox:v1" })) },
    status: {
      phase: "Running",
      containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, image: "", state: { running: { startedAt: "" } } })),
    },
  };
}

async function container(podName: string, name: string, script: string): Promise<void> {
  const c = await docker.createContainer({
    Image: "kctl-test/busybox:v1",
    Cmd: ["/bin/sh", "-c", script],
    Labels: {
      [LABEL_POD_NAME]: podName,
      [LABEL_POD_NAMESPACE]: "default",
      [LABEL_CONTAINER_NAME]: name,
      [LABEL_NODE]: NODE,
      [LABEL_ROLE]: "container",
      [LABEL_RESTART_COUNT]: "0",
      [LABEL_MANAGED]: "true",
      [TEST_LABEL]: RUN,
    },
  });
  await c.start();
}

const LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kctl(args: string[], opts: { stdin?: string; token?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [`${ROOT}/bin/kctl`, "--server", url, "--token", opts.token ?? ADMIN, ...args],
      { env: { ...process.env, KCTL_CONFIG: `/nonexistent/${RUN}` }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: child.exitCode ?? (err ? 1 : 0), stdout, stderr }),
    );
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    else child.stdin?.end();
  });
}

/** Build dist/ when the CLI sources are newer than their compiled files (npm test builds first). */
function ensureBuilt(): Promise<void> {
  const stale = ["cli/commands/logs", "cli/commands/exec", "cli/commands/index", "cli/main"].some((f) => {
    const js = `${ROOT}/dist/${f}.js`;
    return !existsSync(js) || statSync(js).mtimeMs < statSync(`${ROOT}/${f}.ts`).mtimeMs;
  });
  if (!stale) return Promise.resolve();
  return new Promise((resolve) => execFile(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, "-p", `${ROOT}/tsconfig.json`], () => resolve()));
}

beforeAll(async () => {
  await ensureBuilt();
  kubelet = await startKubeletServer({ docker, nodeName: NODE, listen: "127.0.0.1:0", logger: silentLogger(), authToken: NODE_TOKEN });
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: NODE },
    status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } },
  };
  objects.set(`nodes//${NODE}`, node);
  for (const p of [
    pod("web-1", ["web"], { app: "web" }),
    pod("web-2", ["web"], { app: "web" }),
    pod("multi", ["a", "b"]),
    { ...pod("pending", ["web"]), spec: { containers: [{ name: "web", image: "x" }] }, status: { phase: "Pending" } } as Pod,
  ]) {
    objects.set(`pods/default/${p.metadata.name}`, p);
  }
  await Promise.all([
    container("web-1", "web", `echo hello from web-1; echo warn from web-1 >&2; ${LOOP}`),
    container("web-2", "web", `echo hello from web-2; ${LOOP}`),
    container("multi", "a", LOOP),
    container("multi", "b", LOOP),
  ]);

  urls.plugin = await standInApiServer(true);
  urls.plain = await standInApiServer(false);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await kubelet?.close();
  const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
});

describe.each([["with @fastify/websocket", "plugin"], ["without @fastify/websocket", "plain"]] as const)("kctl logs / exec through the pod proxy (API server %s)", (_label, mode) => {
  beforeAll(() => {
    url = urls[mode];
  });

  it("kctl logs POD prints the container's stdout and stderr", async () => {
    // the container was just started: wait until both lines are in its log
    const r = await eventually("both lines", async () => {
      const x = await kctl(["logs", "web-1"]);
      return x.stdout.includes("hello") && x.stdout.includes("warn") ? x : undefined;
    });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").sort()).toEqual(["", "hello from web-1", "warn from web-1"]);
  });

  it("kctl logs -l app=web --prefix prints every matching pod, prefixed", async () => {
    const r = await kctl(["logs", "-l", "app=web", "--prefix"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[pod/web-1/web] hello from web-1\n");
    expect(r.stdout).toContain("[pod/web-2/web] hello from web-2\n");
  });

  it("kctl logs -f receives lines written after it started", async () => {
    const child = spawn(process.execPath, [`${ROOT}/bin/kctl`, "--server", url, "--token", ADMIN, "logs", "-f", "web-2"], {
      env: { ...process.env, KCTL_CONFIG: `/nonexistent/${RUN}` },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await eventually("existing line", () => out.includes("hello from web-2"));
      const w = await kctl(["exec", "web-2", "--", "sh", "-c", "echo late line > /proc/1/fd/1"]);
      expect(w.code).toBe(0);
      await eventually("late line", () => out.includes("late line\n"));
    } finally {
      child.kill();
    }
  });

  it("kctl exec passes stdout through and the remote exit code out", async () => {
    const ok = await kctl(["exec", "web-1", "--", "sh", "-c", "echo out; echo err >&2"]);
    expect(ok).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
    const bad = await kctl(["exec", "web-1", "--", "sh", "-c", "exit 3"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toBe("command terminated with exit code 3\n");
  });

  it("kctl exec -i pipes stdin (and its end)", async () => {
    const r = await kctl(["exec", "-i", "web-1", "--", "sh", "-c", "tr a-z A-Z; echo done"], { stdin: "piped text\n" });
    expect(r).toMatchObject({ code: 0, stdout: "PIPED TEXT\ndone\n" });
  });

  it("kctl exec -c picks a container of a multi-container pod", async () => {
    const r = await kctl(["exec", "multi", "-c", "b", "--", "echo", "in b"]);
    expect(r).toMatchObject({ code: 0, stdout: "in b\n" });
  });

  it("reports errors as one line: unknown pod, ambiguous container, unscheduled pod, bad token", async () => {
    const unknown = await kctl(["logs", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: pods "nope" not found\n');
    const ambiguous = await kctl(["logs", "multi"]);
    expect(ambiguous.stderr).toBe("error: a container name must be specified for pod multi, choose one of: [a b]\n");
    const ambiguousExec = await kctl(["exec", "multi", "--", "true"]);
    expect(ambiguousExec.stderr).toBe("error: a container name must be specified for pod multi, choose one of: [a b]\n");
    const pending = await kctl(["exec", "pending", "--", "true"]);
    expect(pending.stderr).toBe("error: pod pending does not have a host assigned\n");
    const denied = await kctl(["exec", "web-1", "--", "true"], { token: "wrong" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: not authorized/);
  });
});

describe("pod proxy shutdown", () => {
  it("closing the API server ends proxied follow streams and exec sessions instead of waiting for them", async () => {
    const base = await standInApiServer(true);
    const app = apps[apps.length - 1];
    const follow = startFollow(`${base}/api/v1/namespaces/default/pods/web-1/log?follow=true`);
    await eventually("first log bytes", () => follow.data().length > 0 || undefined);
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(`${base.replace("http", "ws")}/api/v1/namespaces/default/pods/web-1/exec?command=sleep&command=30`, ["v5.channel.k8s.io"], {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    await new Promise((resolve, reject) => {
      ws.on("open", resolve);
      ws.on("error", reject);
    });
    const wsClosed = new Promise((r) => ws.on("close", r));
    const started = Date.now();
    await app.close();
    await Promise.all([follow.ended, wsClosed]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

function startFollow(u: string): { data(): string; ended: Promise<void> } {
  let buf = "";
  const ended = new Promise<void>((resolve) => {
    const req = http.get(u, { headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => (buf += d));
      res.on("close", () => resolve());
      res.on("error", () => resolve());
    });
    req.on("error", () => resolve());
  });
  return { data: () => buf, ended };
}
