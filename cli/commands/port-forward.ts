/**
 * `kctl port-forward TYPE/NAME [LOCAL:]REMOTE... [--address ADDR,...]`: listen locally and forward
 * each accepted connection into the pod, over one SPDY/3.1 connection upgraded through the API
 * server (pods/{name}/portforward; the kubelet connects to the pod's IP):
 *
 * ```
 *  local conn ──accept──> error stream + data stream (requestid N) ──> API server ──> kubelet ──> podIP:REMOTE
 * ```
 * Output as kubectl's: "Forwarding from 127.0.0.1:L -> R", "Handling connection for L". Unlike
 * kubectl (client-go closes the whole forward when one connection's error stream carries an
 * error; 1.30 and 1.32 do) an error on one connection is printed and the tunnel stays up. The pod going away ends it:
 * "error: lost connection to pod", exit 1. Ctrl-C ends it with exit 0.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import type { ForwardPort } from "../port-forward-target.js";

interface PortForwardOptions {
  address: string;
}

async function run(ctx: CliContext, target: string, portArgs: string[], opts: PortForwardOptions): Promise<void> {
  const { parsePortSpecs, resolveForwardTarget } = await import("../port-forward-target.js");
  const specs = parsePortSpecs(portArgs);
  const addresses = parseAddresses(opts.address);
  const client = await ctx.client();
  const namespace = ctx.namespace();
  const { pod, ports } = await resolveForwardTarget(client, namespace, target, specs, ctx.err);
  const podName = pod.metadata.name as string;

  const { SpdySession } = await import("../../lib/spdy/session.js");
  const socket = await upgrade(client, namespace, podName);
  const session = new SpdySession(socket, { server: false, pingIntervalMs: 10_000 });
  const { HEADER_PORT, HEADER_REQUEST_ID, HEADER_STREAM_TYPE, STREAM_TYPE_DATA, STREAM_TYPE_ERROR } = await import("../../lib/spdy/port-forward.js");

  let requestId = 0;
  const conns = new Set<net.Socket>();
  const handle = async (conn: net.Socket, port: ForwardPort): Promise<void> => {
    conns.add(conn);
    conn.once("close", () => conns.delete(conn));
    ctx.out.write(`Handling connection for ${port.local}\n`);
    const id = String(requestId++);
    const headers = { [HEADER_PORT]: [String(port.remote)], [HEADER_REQUEST_ID]: [id] };
    conn.on("error", () => conn.destroy());
    try {
      const errorStream = await session.openStream({ ...headers, [HEADER_STREAM_TYPE]: [STREAM_TYPE_ERROR] });
      errorStream.end(); // we never write on it
      const message = readText(errorStream);
      const data = await session.openStream({ ...headers, [HEADER_STREAM_TYPE]: [STREAM_TYPE_DATA] });
      conn.pipe(data);
      data.pipe(conn);
      data.on("error", () => conn.destroy());
      data.on("close", () => {
        if (!conn.destroyed && !conn.writableEnded) conn.end();
      });
      conn.on("close", () => {
        if (!data.destroyed) data.destroy();
      });
      const text = await message;
      if (text) {
        ctx.err.write(`error: an error occurred forwarding ${port.local} -> ${port.remote}: ${text}\n`);
        conn.destroy();
      }
    } catch (e) {
      if (!session.isClosed) ctx.err.write(`error: forwarding ${port.local} -> ${port.remote}: ${e instanceof Error ? e.message : String(e)}\n`);
      conn.destroy();
    }
  };

  const servers: net.Server[] = [];
  try {
    for (const port of ports) {
      let bound = 0;
      const failures: string[] = [];
      for (const a of addresses) {
        try {
          // allowHalfOpen: a client that half-closes (sends EOF) still gets the pod's answer
          const server = net.createServer({ allowHalfOpen: true }, (conn) => void handle(conn, port));
          const actual = await listen(server, a.host, port.local);
          servers.push(server);
          if (port.local === 0) port.local = actual;
          bound++;
          ctx.out.write(`Forwarding from ${a.host.includes(":") ? `[${a.host}]` : a.host}:${actual} -> ${port.remote}\n`);
        } catch (e) {
          // "localhost" binds IPv4 and IPv6 where it can; an address named explicitly must bind
          if (!a.optional) throw new UserError(`unable to listen on ${a.host}:${port.local}: ${e instanceof Error ? e.message : String(e)}`);
          failures.push(`${a.host}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (bound === 0) throw new UserError(`unable to listen on port ${port.local}: ${failures.join("; ")}`);
    }
  } catch (e) {
    for (const s of servers) s.close();
    session.close();
    throw e;
  }

  const outcome = await new Promise<"signal" | "lost">((resolve) => {
    session.once("close", () => resolve("lost"));
    const onSignal = (): void => resolve("signal");
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  for (const s of servers) s.close();
  for (const c of conns) c.destroy();
  if (outcome === "lost") throw new UserError("lost connection to pod");
  session.close();
  // listeners, sockets and pings are all closed: nothing keeps the process open now
}

/** POST .../portforward with an SPDY/3.1 upgrade; the upgraded socket, or the server's Status as an error. */
function upgrade(client: ApiClient, namespace: string, pod: string): Promise<Duplex> {
  const u = new URL(client.server);
  const path = `${u.pathname.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`;
  const headers = { ...client.authHeader(), connection: "Upgrade", upgrade: "SPDY/3.1", "x-stream-protocol-version": "portforward.k8s.io" };
  const base = { host: u.hostname, port: u.port || (u.protocol === "https:" ? 443 : 80), path, method: "POST", headers };
  return new Promise((resolve, reject) => {
    const req = u.protocol === "https:" ? https.request({ ...base, ...client.tlsOptions(), agent: false }) : http.request({ ...base, agent: false });
    req.setTimeout(30_000, () => req.destroy(new Error("timed out upgrading the connection")));
    req.on("upgrade", (res, socket, head) => {
      req.setTimeout(0);
      socket.setTimeout(0);
      if (head.length) socket.unshift(head);
      if (res.headers["x-stream-protocol-version"] !== "portforward.k8s.io") {
        socket.destroy();
        reject(new UserError(`unable to negotiate protocol: client supports "portforward.k8s.io", server returned "${res.headers["x-stream-protocol-version"] ?? ""}"`));
        return;
      }
      resolve(socket);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        void import("../../lib/client.js").then(({ errorFromResponse }) => reject(errorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks))));
      });
    });
    req.on("error", (e) => reject(new UserError(`error upgrading connection: ${e.message}`)));
    req.end();
  });
}

function readText(s: Duplex): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => (text += d));
    s.on("end", () => resolve(text));
    s.on("close", () => resolve(text));
    s.on("error", () => resolve(text));
  });
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** `--address`: comma-separated IPs or "localhost" (127.0.0.1 and, if it binds, ::1). */
function parseAddresses(arg: string): { host: string; optional: boolean }[] {
  const out: { host: string; optional: boolean }[] = [];
  for (const raw of arg.split(",").map((a) => a.trim()).filter(Boolean)) {
    if (raw === "localhost") out.push({ host: "127.0.0.1", optional: true }, { host: "::1", optional: true });
    else if (net.isIP(raw)) out.push({ host: raw, optional: false });
    else throw new UserError(`${raw} is not a valid IP`);
  }
  if (out.length === 0) throw new UserError("you must specify at least 1 address");
  return out;
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("port-forward")
      .description("Forward local ports to a pod: kctl port-forward TYPE/NAME [LOCAL:]REMOTE... (pod, deployment/NAME, svc/NAME)")
      .argument("<target>", "POD, pod/NAME, deployment/NAME, replicaset/NAME or svc/NAME")
      .argument("<ports...>", "[LOCAL:]REMOTE (LOCAL empty: a free port; REMOTE may be a port name)")
      .option("--address <addresses>", "addresses to listen on (comma-separated IPs or localhost)", "localhost")
      .action(guarded((target: string, ports: string[], opts: PortForwardOptions) => run(ctx, target, ports, opts)));
  },
};
