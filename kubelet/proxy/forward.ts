/**
 * One proxied TCP connection: connect to the first backend that accepts (a refused or timed-out
 * connect moves on to the next one, which is safe because no byte has been sent yet), then pipe
 * both ways. `pipe` gives back-pressure in both directions; half-close is kept (allowHalfOpen) so
 * a client that shuts down its sending side still gets the whole answer; any error destroys both
 * sockets so neither side is left waiting.
 */
import net from "node:net";
import type { Backend } from "./backends.js";

/** Tuning of {@link forwardConnection}. */
export interface ForwardOptions {
  /** per-backend connect deadline; default 2000 ms */
  connectTimeoutMs?: number;
  /** at most this many backends are tried; default 3 */
  maxAttempts?: number;
  /** called once the upstream connection is open */
  onConnected?(backend: Backend): void;
  /** called when every attempt failed */
  onFailed?(lastError: string): void;
}

/** Forward `client` to the first of `candidates` that accepts. */
export function forwardConnection(client: net.Socket, candidates: readonly Backend[], opts: ForwardOptions = {}): void {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
  const attempts = Math.min(candidates.length, opts.maxAttempts ?? 3);
  client.setNoDelay(true);
  let upstream: net.Socket | undefined;
  let connected = false;
  client.on("error", () => {
    client.destroy();
    upstream?.destroy();
  });
  client.on("close", () => {
    // Before the upstream is open, a vanished client needs no connection at all.
    if (!connected) upstream?.destroy();
  });

  const attempt = (i: number, lastError: string): void => {
    if (client.destroyed) return;
    if (i >= attempts) {
      opts.onFailed?.(lastError || "no endpoints");
      client.resetAndDestroy();
      return;
    }
    const b = candidates[i]!;
    const up = net.connect({ host: b.host, port: b.port, allowHalfOpen: true });
    upstream = up;
    up.setNoDelay(true);
    const timer = setTimeout(() => {
      up.destroy();
      attempt(i + 1, `connect to ${b.host}:${b.port} timed out`);
    }, connectTimeoutMs);
    const onEarlyError = (err: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      up.destroy();
      attempt(i + 1, `${b.host}:${b.port}: ${err.code ?? err.message}`);
    };
    up.once("error", onEarlyError);
    up.once("connect", () => {
      clearTimeout(timer);
      up.off("error", onEarlyError);
      if (client.destroyed) {
        up.destroy();
        return;
      }
      connected = true;
      opts.onConnected?.(b);
      pipeBoth(client, up);
    });
  };
  attempt(0, candidates.length ? "" : "no endpoints");
}

/** Pipe a <-> b; an error or an abrupt close on one side destroys the other. */
export function pipeBoth(a: net.Socket, b: net.Socket): void {
  const kill = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on("error", kill);
  b.on("error", kill);
  // A side that closed without finishing its stream cleanly (reset, destroy) takes the other with it.
  a.on("close", (hadError) => (hadError || !a.readableEnded ? b.destroy() : b.end()));
  b.on("close", (hadError) => (hadError || !b.readableEnded ? a.destroy() : a.end()));
  a.pipe(b);
  b.pipe(a);
}
