/**
 * The set of TCP listeners the proxy holds, reconciled to a desired set. A listener that cannot
 * bind (EADDRINUSE: another agent on this machine already serves that cluster IP, or the port is
 * taken) is retried on a timer, so it takes over when the other one goes away. Closing a listener
 * stops new connections only: connections in flight finish on their own.
 */
import net from "node:net";
import type { Logger } from "../../lib/logger.js";
import type { ListenerSpec } from "./backends.js";

/** Called for each accepted connection with the listener it came in on. */
export type ConnectionHandler = (socket: net.Socket, spec: ListenerSpec) => void;

interface Held {
  spec: ListenerSpec;
  server?: net.Server;
  retry?: NodeJS.Timeout;
  /** last bind error logged (log a failure once, not every retry) */
  lastError?: string;
  closed: boolean;
}

/** Reconciled listeners. */
export class ListenerSet {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly onConnection: ConnectionHandler,
    private readonly logger: Logger,
    /** before binding: make the address local (cluster IPs outside the routed range) */
    private readonly prepare: (spec: ListenerSpec) => Promise<void> = async () => undefined,
    private readonly retryMs = 1000,
  ) {}

  /** Listeners currently bound (`ip:port`). */
  bound(): string[] {
    return [...this.held.values()].filter((h) => h.server?.listening).map((h) => h.spec.key);
  }

  /** Open what is new, close what is gone; a changed target (service/port name) is updated in place. */
  reconcile(desired: ReadonlyMap<string, ListenerSpec>): void {
    for (const [key, h] of this.held) if (!desired.has(key)) this.close(key, h);
    for (const [key, spec] of desired) {
      const h = this.held.get(key);
      if (h) h.spec = spec;
      else {
        const nh: Held = { spec, closed: false };
        this.held.set(key, nh);
        void this.open(nh);
      }
    }
  }

  /** Wait until `key` is bound (tests, start-up). */
  async waitBound(key: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.held.get(key)?.server?.listening) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Close every listener (connections in flight are the caller's to end). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.held].map(([key, h]) => this.close(key, h)));
  }

  private async open(h: Held): Promise<void> {
    if (h.closed) return;
    try {
      await this.prepare(h.spec);
    } catch (err) {
      this.failed(h, (err as Error).message);
      return;
    }
    if (h.closed) return;
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (sock) => this.onConnection(sock, h.spec));
    server.on("error", (err: NodeJS.ErrnoException) => {
      server.close();
      if (h.server === server) h.server = undefined;
      this.failed(h, err.code ?? err.message);
    });
    server.listen({ host: h.spec.ip, port: h.spec.port, backlog: 1024 }, () => {
      if (h.closed) {
        server.close();
        return;
      }
      h.server = server;
      if (h.lastError) this.logger.info({ listener: h.spec.key, service: h.spec.service }, "service listener bound after retry");
      h.lastError = undefined;
      this.logger.debug({ listener: h.spec.key, service: h.spec.service, kind: h.spec.kind }, "service listener bound");
    });
  }

  private failed(h: Held, error: string): void {
    if (h.closed) return;
    if (h.lastError !== error) {
      this.logger.info({ listener: h.spec.key, service: h.spec.service, err: error }, "service listener not bound yet; retrying");
    }
    h.lastError = error;
    h.retry = setTimeout(() => void this.open(h), this.retryMs);
    h.retry.unref();
  }

  private close(key: string, h: Held): Promise<void> {
    h.closed = true;
    this.held.delete(key);
    if (h.retry) clearTimeout(h.retry);
    // close() stops accepting at once; its callback would wait for every connection to end,
    // which is exactly what draining must not wait for.
    h.server?.close();
    h.server = undefined;
    return new Promise((resolve) => setImmediate(resolve));
  }
}
