/**
 * The node's DNS server: UDP and TCP on port 53 of one address, answering cluster names from a
 * {@link ServiceDirectory} and forwarding the rest. Every query gets an answer (SERVFAIL when the
 * upstream is silent), so a pod's resolver never waits out its own multi-second retries.
 */
import dgram from "node:dgram";
import net from "node:net";
import type { Logger } from "../../lib/logger.js";
import {
  buildResponse,
  CLASS_IN,
  DnsFormatError,
  packetId,
  parseQuery,
  RCODE_FORMERR,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
} from "./packet.js";
import { CLUSTER_DOMAIN, CLUSTER_TTL, resolveName, type ServiceDirectory } from "./resolver.js";
import type { UpstreamForwarder } from "./upstream.js";

/** Classic DNS over UDP without EDNS: answers larger than this are truncated (TC) */
const UDP_MAX = 512;
/** A TCP client that sends nothing for this long is dropped. */
const TCP_IDLE_MS = 10_000;

/** What the handler needs. */
export interface DnsHandlerDeps {
  directory: ServiceDirectory;
  upstream: Pick<UpstreamForwarder, "forward">;
  domain?: string;
}

/**
 * Answer one raw query from `clientIP` (transport-independent). Returns undefined for packets
 * that get no answer at all (responses, garbage without an id).
 */
export async function handleQuery(raw: Buffer, clientIP: string, deps: DnsHandlerDeps, maxBytes: number): Promise<Buffer | undefined> {
  let q;
  try {
    q = parseQuery(raw);
  } catch (e) {
    const id = packetId(raw);
    if (!(e instanceof DnsFormatError) || id === undefined) return undefined;
    return buildResponse({ id, rd: false, rcode: RCODE_FORMERR });
  }
  if (q.qr) return undefined;
  const question = q.questions[0];
  if (q.opcode !== 0 || q.questions.length !== 1 || !question) return buildResponse({ id: q.id, opcode: q.opcode, rd: q.rd, rcode: RCODE_NOTIMP, question });
  const verdict = question.class === CLASS_IN ? resolveName(deps.directory, question.name, question.type, clientIP, deps.domain ?? CLUSTER_DOMAIN) : { kind: "forward" as const };
  switch (verdict.kind) {
    case "answer":
      return buildResponse({
        id: q.id,
        rd: q.rd,
        aa: true,
        rcode: RCODE_NOERROR,
        question,
        answers: verdict.ips.map((ip) => ({ name: question.name, ttl: CLUSTER_TTL, ip })),
        maxBytes,
      });
    case "nxdomain":
      return buildResponse({ id: q.id, rd: q.rd, aa: true, rcode: RCODE_NXDOMAIN, question });
    case "forward": {
      const got = await deps.upstream.forward(raw);
      return got ?? buildResponse({ id: q.id, rd: q.rd, rcode: RCODE_SERVFAIL, question });
    }
  }
}

/** A running DNS server. */
export interface DnsServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Listen on `address:port` (UDP and TCP). Rejects when either cannot bind (e.g. EADDRINUSE). */
export async function startDnsServer(opts: { address: string; port?: number; deps: DnsHandlerDeps; logger: Logger }): Promise<DnsServer> {
  // Port 0 picks a free UDP port, but the same number may be taken for TCP: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (opts.port !== 0 || (e as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 10) throw e;
    }
  }
}

async function startOnce(opts: { address: string; port?: number; deps: DnsHandlerDeps; logger: Logger }): Promise<DnsServer> {
  const { address, deps, logger } = opts;
  const udp = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(opts.port ?? 53, address, () => {
      udp.off("error", reject);
      resolve();
    });
  });
  const port = udp.address().port;
  udp.on("error", (err) => logger.warn({ err: err.message }, "dns udp socket error"));
  udp.on("message", (msg, rinfo) => {
    handleQuery(msg, rinfo.address, deps, UDP_MAX)
      .then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      })
      .catch((err: unknown) => logger.debug({ err }, "dns query failed"));
  });

  const conns = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on("close", () => conns.delete(sock));
    sock.on("error", () => sock.destroy());
    let pending = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Each message is a 2-byte length then the packet (RFC 1035 4.2.2).
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0);
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        void handleQuery(Buffer.from(msg), sock.remoteAddress ?? "", deps, 65535)
          .then((out) => {
            if (!out || sock.destroyed) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(out.length);
            sock.write(Buffer.concat([head, out]));
          })
          .catch(() => sock.destroy());
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(port, address, () => {
        tcp.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  return {
    address,
    port,
    async close() {
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
