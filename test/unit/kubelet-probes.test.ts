import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import type { Probe } from "../../lib/types.js";
import { runProbe, type ProbeOutcome } from "../../kubelet/probes/handlers.js";
import { ProbeWorker } from "../../kubelet/probes/worker.js";
import { parseDuration } from "../../lib/duration.js";
import { pauseElfX64, tarFiles } from "../../kubelet/sandbox-image.js";
import { pullPolicy } from "../../kubelet/images.js";
import { expandVars, fieldRefValue } from "../../kubelet/env.js";

const flush = () => new Promise((r) => setImmediate(r));

function worker(kind: "liveness" | "readiness" | "startup", probe: Probe, outcomes: boolean[], clock: FakeClock) {
  const changes: boolean[] = [];
  let i = 0;
  const w = new ProbeWorker(kind, probe, clock, clock.now(), async (): Promise<ProbeOutcome> => ({ success: outcomes[Math.min(i++, outcomes.length - 1)]!, message: "m" }), (r) => changes.push(r));
  return { w, changes, runs: () => i };
}

async function step(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

describe("probe worker (fake clock)", () => {
  it("honours initialDelaySeconds and periodSeconds; readiness needs successThreshold", async () => {
    const clock = new FakeClock(1_000_000);
    const { w, changes, runs } = worker("readiness", { initialDelaySeconds: 5, periodSeconds: 2, successThreshold: 2 }, [true], clock);
    expect(w.result).toBe(false);
    await step(clock, 4999);
    expect(runs()).toBe(0);
    await step(clock, 1);
    expect(runs()).toBe(1);
    expect(w.result).toBe(false); // 1 success of 2
    await step(clock, 2000);
    expect(runs()).toBe(2);
    expect(w.result).toBe(true);
    expect(changes).toEqual([true]);
    w.stop();
  });

  it("liveness fails after failureThreshold failures in a row, then holds", async () => {
    const clock = new FakeClock(0);
    const { w, changes, runs } = worker("liveness", { periodSeconds: 1, failureThreshold: 3 }, [false, true, false, false, false, false], clock);
    for (let i = 0; i < 6; i++) await step(clock, i === 0 ? 0 : 1000);
    expect(changes).toEqual([false]);
    expect(runs()).toBe(5);
    await step(clock, 5000);
    expect(runs()).toBe(5); // on hold until the container is replaced
    w.stop();
  });

  it("startup succeeds once and stops probing", async () => {
    const clock = new FakeClock(0);
    const { w, changes, runs } = worker("startup", { periodSeconds: 1 }, [false, true], clock);
    await step(clock, 0);
    await step(clock, 1000);
    expect(changes).toEqual([true]);
    await step(clock, 5000);
    expect(runs()).toBe(2);
    w.stop();
  });
});

describe("probe handlers", () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => res.writeHead(req.url === "/ok" ? 200 : 500).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());
  const target = { podIP: "127.0.0.1", container: { name: "c", image: "i", ports: [{ name: "http", containerPort: 0 }] }, exec: async (cmd: string[]) => ({ exitCode: cmd[0] === "true" ? 0 : 1, output: "" }) };

  it("httpGet: 2xx/3xx success, else failure; named ports", async () => {
    expect((await runProbe({ httpGet: { path: "/ok", port } }, target)).success).toBe(true);
    expect((await runProbe({ httpGet: { path: "/bad", port } }, target)).success).toBe(false);
    const named = { ...target, container: { name: "c", image: "i", ports: [{ name: "http", containerPort: port }] } };
    expect((await runProbe({ httpGet: { path: "/ok", port: "http" } }, named)).success).toBe(true);
  });

  it("tcpSocket and exec", async () => {
    expect((await runProbe({ tcpSocket: { port } }, target)).success).toBe(true);
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const dead = (closed.address() as net.AddressInfo).port;
    closed.close();
    expect((await runProbe({ tcpSocket: { port: dead } }, target)).success).toBe(false);
    expect((await runProbe({ exec: { command: ["true"] } }, target)).success).toBe(true);
    expect((await runProbe({ exec: { command: ["false"] } }, target)).success).toBe(false);
  });
});

describe("kubelet helpers", () => {
  it("durations for the agent's flags", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("10s")).toBe(10_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(() => parseDuration("5 parsecs")).toThrow();
  });

  it("pull policy defaults by tag", () => {
    expect(pullPolicy({ name: "c", image: "web" })).toBe("Always");
    expect(pullPolicy({ name: "c", image: "web:latest" })).toBe("Always");
    expect(pullPolicy({ name: "c", image: "localhost:5000/web" })).toBe("Always");
    expect(pullPolicy({ name: "c", image: "localhost:5000/web:v1" })).toBe("IfNotPresent");
    expect(pullPolicy({ name: "c", image: "web:v1", imagePullPolicy: "Never" })).toBe("Never");
  });

  it("env: field refs and $(VAR) expansion", () => {
    const pod = { apiVersion: "v1", kind: "Pod" as const, metadata: { name: "p", namespace: "ns", uid: "u", labels: { app: "web" } }, spec: { containers: [], nodeName: "n1" } };
    const facts = { podIP: "1.2.3.4", hostIP: "5.6.7.8", nodeName: "n1" };
    expect(fieldRefValue(pod, "metadata.name", facts)).toBe("p");
    expect(fieldRefValue(pod, "status.podIP", facts)).toBe("1.2.3.4");
    expect(fieldRefValue(pod, "metadata.labels['app']", facts)).toBe("web");
    expect(expandVars("a-$(X)-$(Y)-$$", new Map([["X", "1"]]))).toBe("a-1-$(Y)-$");
  });

  it("the pause ELF and tar are well formed", () => {
    const elf = pauseElfX64();
    expect(elf.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(elf.length).toBe(216);
    expect(elf.readBigUInt64LE(96)).toBe(216n); // p_filesz covers the whole file
    const tar = tarFiles([{ name: "a", data: Buffer.from("hi") }]);
    expect(tar.length).toBe(512 * 2 + 1024);
    expect(tar.subarray(257, 262).toString()).toBe("ustar");
  });
});
