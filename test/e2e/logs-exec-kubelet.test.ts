/**
 * The kubelet server against the real Docker engine: containers are created here with the
 * kubelet's labels (as the kubelet core would), then logs and exec are exercised over HTTP and
 * WebSocket exactly as the API server proxy uses them.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import Dockerode from "dockerode";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import {
  LABEL_CONTAINER_NAME,
  LABEL_MANAGED,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  LABEL_ROLE,
} from "../../kubelet/labels.js";
import { startKubeletServer } from "../../kubelet/server/index.js";
import { eventually } from "../helpers/eventually.js";

const docker = new Dockerode();
const RUN = randomBytes(4).toString("hex");
const TEST_LABEL = "kctl.test/logs-exec";
const NODE = `logs-exec-node-${RUN}`;
const TOKEN = `tok-${RUN}`;
let server: { port: number; close(): Promise<void> };

async function makeContainer(pod: string, container: string, restartCount: number, script: string, tty = false): Promise<Dockerode.Container> {
  const c = await docker.createContainer({
    Image: "kctl-test/busybox:v1",
    Cmd: ["/bin/sh", "-c", script],
    Tty: tty,
    Labels: {
      [LABEL_POD_UID]: `uid-${pod}`,
      [LABEL_POD_NAME]: pod,
      [LABEL_POD_NAMESPACE]: "default",
      [LABEL_CONTAINER_NAME]: container,
      [LABEL_NODE]: NODE,
      [LABEL_ROLE]: "container",
      [LABEL_RESTART_COUNT]: String(restartCount),
      [LABEL_MANAGED]: "true",
      [TEST_LABEL]: RUN,
    },
    HostConfig: { AutoRemove: false },
  });
  await c.start();
  return c;
}

function get(path: string, token = TOKEN): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: server.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

interface ExecResult {
  stdout: string;
  stderr: string;
  status: { status: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
  protocol: string;
}

function execWs(path: string, opts: { stdin?: string; protocols?: string[]; closeStdin?: boolean } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, opts.protocols ?? ["v5.channel.k8s.io", "v4.channel.k8s.io"], {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const out: ExecResult = { stdout: "", stderr: "", status: undefined, protocol: "" };
    ws.on("open", () => {
      out.protocol = ws.protocol;
      if (opts.stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(opts.stdin)]));
        if (opts.closeStdin !== false) ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on("message", (data: Buffer) => {
      const ch = data[0];
      const payload = data.subarray(1).toString("utf8");
      if (ch === 1) out.stdout += payload;
      else if (ch === 2) out.stderr += payload;
      else if (ch === 3) out.status = JSON.parse(payload);
    });
    ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on("error", reject);
    ws.on("close", () => resolve(out));
  });
}

describe("kubelet server (real Docker)", () => {
  beforeAll(async () => {
    server = await startKubeletServer({ docker, nodeName: NODE, listen: "127.0.0.1:0", logger: silentLogger(), authToken: TOKEN });
    // previous instance (exited) and current instance (running) of web/app; a second container "side"
    const old = await makeContainer("web", "app", 0, "echo first-instance; exit 1");
    await old.wait();
    await makeContainer("web", "app", 1, "echo one; echo two >&2; sleep 0.1; echo three; trap 'exit 0' TERM; while true; do sleep 1; done");
    const looping = await makeContainer("loop", "app", 2, "echo last crash; exit 1");
    await looping.wait();
    await makeContainer("tty", "app", 0, "echo tty-line; trap 'exit 0' TERM; while true; do sleep 1; done", true);
    await eventually("logs of web/app", async () => (await get("/containerLogs/default/web/app")).body.includes("three") || undefined);
  });

  afterAll(async () => {
    await server?.close();
    const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${RUN}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  });

  it("rejects requests without the bearer token", async () => {
    const r = await get("/containerLogs/default/web/app", "wrong");
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", code: 401 });
  });

  it("serves logs, stdout and stderr interleaved, with tail and timestamps", async () => {
    // stdout and stderr are separate pipes: their relative order is the engine's, not ours
    expect((await get("/containerLogs/default/web/app")).body.split("\n").sort()).toEqual(["", "one", "three", "two"]);
    expect((await get("/containerLogs/default/web/app?tailLines=1")).body).toBe("three\n");
    const ts = (await get("/containerLogs/default/web/app?timestamps=true&tailLines=2")).body.trim().split("\n");
    expect(ts).toHaveLength(2);
    expect(ts[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z three$/);
    expect((await get("/containerLogs/default/tty/app")).body).toBe("tty-line\r\n");
  });

  it("serves the previous instance's logs with previous=true", async () => {
    expect((await get("/containerLogs/default/web/app?previous=true")).body).toBe("first-instance\n");
    // a crash loop between two starts: the newest (exited, restarted) instance is the previous one
    expect((await get("/containerLogs/default/loop/app?previous=true")).body).toBe("last crash\n");
    const none = await get("/containerLogs/default/tty/app?previous=true");
    expect(none.status).toBe(400);
    expect(JSON.parse(none.body).message).toBe('previous terminated container "app" in pod "tty" not found');
  });

  it("answers 404 for an unknown container", async () => {
    const r = await get("/containerLogs/default/web/nope");
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).message).toContain('container "nope" in pod "web" not found');
  });

  it("follows logs: lines written after the request arrive", async () => {
    let body = "";
    const req = http.get({
      host: "127.0.0.1",
      port: server.port,
      path: "/containerLogs/default/web/app?follow=true&tailLines=0",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const res = await new Promise<http.IncomingMessage>((r) => req.on("response", r));
    expect(res.statusCode).toBe(200);
    res.setEncoding("utf8");
    res.on("data", (d: string) => (body += d));
    const r = await execWs(`/exec/default/web/app?command=sh&command=-c&command=${encodeURIComponent("echo followed-line > /proc/1/fd/1")}`);
    expect(r.status?.status).toBe("Success");
    await eventually("followed line", () => body.includes("followed-line") || undefined);
    expect(body).toBe("followed-line\n");
    req.destroy();
  });

  it("execs with stdout, stderr and a Success status (v5 negotiated)", async () => {
    const r = await execWs(`/exec/default/web/app?command=sh&command=-c&command=${encodeURIComponent("echo out; echo err >&2")}&stdout=true&stderr=true`);
    expect(r.protocol).toBe("v5.channel.k8s.io");
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toBe("err\n");
    expect(r.status).toEqual({ metadata: {}, status: "Success" });
  });

  it("passes a non-zero exit code in the channel-3 Status (v4)", async () => {
    const r = await execWs(`/exec/default/web/app?command=sh&command=-c&command=exit%203`, { protocols: ["v4.channel.k8s.io"] });
    expect(r.protocol).toBe("v4.channel.k8s.io");
    expect(r.status).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  it("pipes stdin and closes it with the v5 close signal", async () => {
    const r = await execWs(`/exec/default/web/app?command=cat&stdin=true&stdout=true`, { stdin: "hello\nworld\n" });
    expect(r.stdout).toBe("hello\nworld\n");
    expect(r.status?.status).toBe("Success");
  });

  it("runs with a tty (stdout only, CRLF) and accepts a resize", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/exec/default/web/app?command=sh&command=-c&command=${encodeURIComponent("sleep 0.3; stty size")}&tty=true&stdin=true`, ["v5.channel.k8s.io"], {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    let out = "";
    ws.on("open", () => ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 91, Height: 33 }))])));
    ws.on("message", (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
    });
    await new Promise((r) => ws.on("close", r));
    expect(out.trim()).toBe("33 91");
  });

  it("ends a tty session's input with ^D when the client closes stdin (output kept)", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/exec/default/web/app?command=sh&command=-c&command=${encodeURIComponent("read x; echo got-eof")}&tty=true&stdin=true`, ["v5.channel.k8s.io"], {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    let out = "";
    let status = "";
    ws.on("open", () => ws.send(Buffer.from([255, 0])));
    ws.on("message", (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
      if (d[0] === 3) status = d.subarray(1).toString();
    });
    await new Promise((r) => ws.on("close", r));
    expect(out).toContain("got-eof");
    expect(JSON.parse(status).status).toBe("Success");
  });

  it("refuses exec of a missing container before upgrading", async () => {
    await expect(execWs(`/exec/default/web/nope?command=true`)).rejects.toThrow("HTTP 404");
  });
});
