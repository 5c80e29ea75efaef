import dgram from "node:dgram";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildQuery, parseResponse, RCODE_FORMERR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, TYPE_AAAA } from "../../kubelet/dns/packet.js";
import { resolveName, type ServiceDirectory } from "../../kubelet/dns/resolver.js";
import { handleQuery, startDnsServer, type DnsServer } from "../../kubelet/dns/server.js";
import { parseNameservers, UpstreamForwarder } from "../../kubelet/dns/upstream.js";
import { silentLogger } from "../../lib/logger.js";

const dir: ServiceDirectory = {
  addresses: (ns, name) => ({ "default/web": ["10.96.0.10"], "prod/db": ["10.96.0.20"], "default/headless": ["172.17.0.5", "172.17.0.6"], "default/empty": [] } as Record<string, string[]>)[`${ns}/${name}`],
  namespaceOf: (ip) => (ip === "172.17.0.9" ? "prod" : ip === "172.17.0.8" ? "default" : undefined),
  hostAddress: (ns, svc, host) => (ns === "default" && svc === "headless" && host === "db-0" ? "172.17.0.5" : undefined),
};

describe("cluster name resolution", () => {
  it.each([
    ["web.default.svc.cluster.local", { kind: "answer", ips: ["10.96.0.10"] }],
    ["web.default.svc", { kind: "answer", ips: ["10.96.0.10"] }],
    ["web.default", { kind: "answer", ips: ["10.96.0.10"] }],
    ["headless.default.svc.cluster.local", { kind: "answer", ips: ["172.17.0.5", "172.17.0.6"] }],
    ["empty.default.svc.cluster.local", { kind: "nxdomain" }],
    ["nope.default.svc.cluster.local", { kind: "nxdomain" }],
    ["web.default.default.svc.cluster.local", { kind: "nxdomain" }],
    ["db-0.headless.default.svc.cluster.local", { kind: "answer", ips: ["172.17.0.5"] }],
    ["db-0.headless.default.svc", { kind: "answer", ips: ["172.17.0.5"] }],
    ["db-1.headless.default.svc.cluster.local", { kind: "nxdomain" }],
    ["db-0.web.default.svc.cluster.local", { kind: "nxdomain" }],
    ["cluster.local", { kind: "nxdomain" }],
    ["nope.default.svc", { kind: "nxdomain" }],
    ["example.com", { kind: "forward" }],
    ["a.b.example.com", { kind: "forward" }],
    ["web", { kind: "forward" }],
  ])("%s", (name, want) => {
    expect(resolveName(dir, name, TYPE_A, "172.17.0.99")).toEqual(want);
  });

  it("short names use the asking pod's namespace", () => {
    expect(resolveName(dir, "db", TYPE_A, "172.17.0.9")).toEqual({ kind: "answer", ips: ["10.96.0.20"] });
    expect(resolveName(dir, "db", TYPE_A, "172.17.0.8")).toEqual({ kind: "forward" });
  });

  it("AAAA for a service is NOERROR without data (so resolvers keep the A answer)", () => {
    expect(resolveName(dir, "web.default.svc.cluster.local", TYPE_AAAA, "x")).toEqual({ kind: "answer", ips: [] });
  });
});

describe("dns server", () => {
  let upstream: dgram.Socket;
  let upstreamPort = 0;
  let server: DnsServer;
  beforeAll(async () => {
    // A fake upstream that answers every query with 1.2.3.4, except "slow.example" (never).
    upstream = dgram.createSocket("udp4");
    upstream.on("message", (msg, r) => {
      const name = msg.subarray(12).toString("latin1");
      if (name.includes("slow")) return;
      const out = Buffer.from(msg);
      out.writeUInt16BE(0x8180, 2);
      upstream.send(Buffer.concat([out.subarray(0, 6), Buffer.from([0, 1]), out.subarray(8), Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4])]), r.port, r.address);
    });
    await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()));
    upstreamPort = upstream.address().port;
    server = await startDnsServer({
      address: "127.0.0.1",
      port: 0,
      logger: silentLogger(),
      deps: { directory: dir, upstream: new UpstreamForwarder([{ host: "127.0.0.1", port: upstreamPort }], 300) },
    });
  });
  afterAll(async () => {
    await server.close();
    upstream.close();
  });

  const udpAsk = (name: string, type = TYPE_A): Promise<ReturnType<typeof parseResponse>> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket("udp4");
      const t = setTimeout(() => (s.close(), reject(new Error("no answer"))), 3000);
      s.on("message", (m) => (clearTimeout(t), s.close(), resolve(parseResponse(m))));
      s.send(buildQuery(42, name, type), server.port, "127.0.0.1");
    });

  it("answers cluster names over UDP", async () => {
    const r = await udpAsk("web.default.svc.cluster.local");
    expect(r).toMatchObject({ id: 42, rcode: 0, aa: true });
    expect(r.answers.map((a) => a.ip)).toEqual(["10.96.0.10"]);
    expect((await udpAsk("nope.default.svc.cluster.local")).rcode).toBe(RCODE_NXDOMAIN);
  });

  it("forwards other names and passes the upstream answer through", async () => {
    const r = await udpAsk("example.com");
    expect(r.answers.map((a) => a.ip)).toEqual(["1.2.3.4"]);
  });

  it("a silent upstream gives SERVFAIL within the timeout, not a hang", async () => {
    const t0 = Date.now();
    const r = await udpAsk("slow.example");
    expect(r.rcode).toBe(RCODE_SERVFAIL);
    expect(Date.now() - t0).toBeLessThan(1500);
    const none = await handleQuery(buildQuery(3, "x.example"), "1.1.1.1", { directory: dir, upstream: new UpstreamForwarder([]) }, 512);
    expect(parseResponse(none!).rcode).toBe(RCODE_SERVFAIL);
  });

  it("answers over TCP (length-prefixed, two queries on one connection)", async () => {
    const sock = net.connect(server.port, "127.0.0.1");
    const frames: Buffer[] = [];
    let pending = Buffer.alloc(0);
    const got = new Promise<void>((resolve) => {
      sock.on("data", (c: Buffer) => {
        pending = Buffer.concat([pending, c]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          frames.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
          pending = pending.subarray(2 + pending.readUInt16BE(0));
        }
        if (frames.length === 2) resolve();
      });
    });
    for (const [id, name] of [[1, "web.default.svc.cluster.local"], [2, "headless.default.svc.cluster.local"]] as const) {
      const q = buildQuery(id, name);
      const head = Buffer.alloc(2);
      head.writeUInt16BE(q.length);
      sock.write(Buffer.concat([head, q]));
    }
    await got;
    sock.destroy();
    const byId = new Map(frames.map((f) => parseResponse(f)).map((r) => [r.id, r.answers.map((a) => a.ip)]));
    expect(byId.get(1)).toEqual(["10.96.0.10"]);
    expect(byId.get(2)).toEqual(["172.17.0.5", "172.17.0.6"]);
  });

  it("garbage with an id gets FORMERR; responses and 1-byte packets get nothing", async () => {
    const bad = await handleQuery(Buffer.from([0, 5, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9]), "x", { directory: dir, upstream: new UpstreamForwarder([]) }, 512);
    expect(parseResponse(bad!)).toMatchObject({ id: 5, rcode: RCODE_FORMERR });
    expect(await handleQuery(Buffer.from([1]), "x", { directory: dir, upstream: new UpstreamForwarder([]) }, 512)).toBeUndefined();
    const resp = buildQuery(6, "web");
    resp.writeUInt16BE(0x8100, 2);
    expect(await handleQuery(resp, "x", { directory: dir, upstream: new UpstreamForwarder([]) }, 512)).toBeUndefined();
  });

  it("reads nameservers from resolv.conf, skipping our own addresses", () => {
    const text = "# x\nsearch lan\nnameserver 10.255.255.53\nnameserver 169.254.20.10\nnameserver ::1\noptions ndots:2\n";
    expect(parseNameservers(text, (ip) => ip.startsWith("169.254.20."))).toEqual(["10.255.255.53"]);
  });
});
