/**
 * Forwarding of non-cluster names to the host's resolvers (the `nameserver` lines of
 * /etc/resolv.conf). One fresh UDP socket per query (a random source port, as a stub resolver
 * uses) and a hard deadline: with no reachable resolver the pod gets SERVFAIL quickly instead of
 * hanging in its own retries.
 */
import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";

/** The IPv4 nameservers of a resolv.conf text, minus `exclude` (our own addresses: no loops). */
export function parseNameservers(text: string, exclude: (ip: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && net.isIPv4(m[1]!) && !exclude(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** The host's nameservers (empty when the file is missing). */
export function hostNameservers(exclude?: (ip: string) => boolean, file = "/etc/resolv.conf"): string[] {
  try {
    return parseNameservers(fs.readFileSync(file, "utf8"), exclude);
  } catch {
    return [];
  }
}

/** Forwards raw queries to upstream resolvers. */
export class UpstreamForwarder {
  constructor(
    private readonly servers: readonly { host: string; port: number }[],
    /** total time for one query over all servers */
    private readonly timeoutMs = 2000,
  ) {}

  /** The upstream's raw answer (same id as the query), or undefined on timeout / no servers. */
  async forward(query: Buffer): Promise<Buffer | undefined> {
    if (this.servers.length === 0 || query.length < 2) return undefined;
    const per = Math.max(100, Math.floor(this.timeoutMs / this.servers.length));
    for (const s of this.servers) {
      const got = await this.once(query, s, per);
      if (got) return got;
    }
    return undefined;
  }

  private once(query: Buffer, server: { host: string; port: number }, timeoutMs: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket("udp4");
      const id = query.readUInt16BE(0);
      let finished = false;
      const done = (b: Buffer | undefined): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sock.close();
        resolve(b);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      sock.on("error", () => done(undefined));
      sock.on("message", (msg, rinfo) => {
        // Only the server we asked, answering this id (a stray packet is not an answer).
        if (rinfo.address === server.host && msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
      });
      sock.send(query, server.port, server.host, (err) => {
        if (err) done(undefined);
      });
    });
  }
}
