/**
 * The three probe mechanisms: httpGet (to the pod IP on the bridge, or probe.host), tcpSocket,
 * and exec (through the runtime: exit code 0 = success). Each resolves a ProbeOutcome, never
 * rejects.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Container, Probe } from "../../lib/types.js";

/** The result of one probe run. */
export interface ProbeOutcome {
  success: boolean;
  message: string;
}

/** Where and how to probe one container. */
export interface ProbeTarget {
  podIP: string;
  container: Container;
  exec(cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
}

/** Resolve a named port against the container's ports. */
export function resolvePort(port: number | string, c: Container): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(p: NonNullable<Probe["httpGet"]>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(p.port, target.container);
  if (port === undefined) return Promise.resolve({ success: false, message: `unknown port ${String(p.port)}` });
  const host = p.host || target.podIP;
  const scheme = p.scheme === "HTTPS" ? https : http;
  const path = p.path ?? "/";
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "user-agent": "kube-probe/1.30", accept: "*/*" };
    for (const h of p.httpHeaders ?? []) headers[h.name] = h.value;
    const req = scheme.request({ host, port, path, method: "GET", headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { success: true, message: `HTTP ${code}` } : { success: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on("timeout", () => req.destroy(new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on("error", (e) => resolve({ success: false, message: `Get "http://${host}:${port}${path}": ${e.message}` }));
    req.end();
  });
}

function tcpProbe(p: NonNullable<Probe["tcpSocket"]>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(p.port, target.container);
  if (port === undefined) return Promise.resolve({ success: false, message: `unknown port ${String(p.port)}` });
  const host = p.host || target.podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ success: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.on("connect", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ success: true, message: "connected" });
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      resolve({ success: false, message: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}

async function execProbe(p: NonNullable<Probe["exec"]>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const r = await target.exec(p.command ?? [], timeoutMs);
    return r.exitCode === 0
      ? { success: true, message: r.output.trim() }
      : { success: false, message: `command ${JSON.stringify((p.command ?? []).join(" "))} exited with ${r.exitCode}: ${r.output.trim().slice(0, 200)}`.trim() };
  } catch (e) {
    return { success: false, message: `command timed out or failed: ${(e as Error).message}` };
  }
}

/** Run one probe once. */
export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, target, timeoutMs);
  if (probe.exec) return execProbe(probe.exec, target, timeoutMs);
  return Promise.resolve({ success: true, message: "no handler" });
}
