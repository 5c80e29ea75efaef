/**
 * Counts the Docker engine API calls a client makes, by standing between it and the engine: a
 * unix socket that forwards every byte both ways to the engine's socket and reads the request
 * lines (`POST /v1.41/containers/create HTTP/1.1`) of what the client sends. The kubelet (its
 * `dockerHost` option) or the docker CLI (`DOCKER_HOST`) is pointed at it; nothing in them
 * changes, so the counts are what they really do.
 *
 *   client ──unix:COUNTER──> [count request lines] ──unix:/var/run/docker.sock──> dockerd
 *
 * A request line is `METHOD /path HTTP/1.x` and its CRLF wherever it appears in what a client
 * sends: on a kept-alive connection the next request follows a JSON body directly, with no line
 * break before it, and a JSON body never holds a raw CRLF. Hijacked streams (attach, exec) could,
 * so benches that count should not exec.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A running counter. */
export interface EngineCallCounter {
  /** the socket to point clients at (`unix://` + this) */
  socketPath: string;
  /** calls so far by `METHOD /path`, ids and the API version taken out (`POST /containers/{id}/start`) */
  counts(): Map<string, number>;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(GET|POST|PUT|DELETE|HEAD) (\/[^ \r\n]*) HTTP\/1\.[01]\r\n/g;

/** `/v1.41/containers/3f2a…/start?x=1` → `/containers/{id}/start`: one key per kind of call. */
export function callKey(method: string, url: string): string {
  const p = url.split("?")[0]!.replace(/^\/v\d+\.\d+/, "");
  const parts = p.split("/").map((seg, i, all) => (i === 2 && ["containers", "images", "networks", "exec", "volumes"].includes(all[1] ?? "") && seg !== "json" && seg !== "create" ? "{id}" : seg));
  return `${method} ${parts.join("/")}`;
}

/** Start a counter in front of `engineSocket`. */
export async function startEngineCallCounter(engineSocket = "/var/run/docker.sock"): Promise<EngineCallCounter> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-engine-count-"));
  const socketPath = path.join(dir, "docker.sock");
  const counts = new Map<string, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.connect(engineSocket);
    sockets.add(client).add(engine);
    let carry = "";
    client.on("data", (chunk: Buffer) => {
      // Keep a short tail so a request line split across two chunks is still seen once.
      const text = carry + chunk.toString("latin1");
      let end = 0;
      for (const m of text.matchAll(REQUEST_LINE)) {
        const key = callKey(m[1]!, m[2]!);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        end = (m.index ?? 0) + m[0].length;
      }
      carry = text.slice(Math.max(end, text.length - 512));
    });
    client.pipe(engine).pipe(client);
    const close = (): void => {
      client.destroy();
      engine.destroy();
      sockets.delete(client);
      sockets.delete(engine);
    };
    client.on("error", close).on("close", close);
    engine.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(socketPath, resolve));
  return {
    socketPath,
    counts: () => new Map(counts),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `after - before` per key, the keys that grew only. */
export function countsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0));
}
