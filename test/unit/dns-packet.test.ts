import { describe, expect, it } from "vitest";
import {
  buildQuery,
  buildResponse,
  DnsFormatError,
  encodeName,
  parseQuery,
  parseResponse,
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
  readName,
  TYPE_A,
  TYPE_AAAA,
} from "../../kubelet/dns/packet.js";

describe("dns packet codec", () => {
  it("round-trips a query (header, question, case folding)", () => {
    const q = parseQuery(buildQuery(0x1234, "Web.Default.svc.cluster.local", TYPE_AAAA));
    expect(q).toEqual({ id: 0x1234, opcode: 0, rd: true, qr: false, questions: [{ name: "web.default.svc.cluster.local", type: TYPE_AAAA, class: 1 }] });
  });

  it("parses a real query with an EDNS OPT record (from dig)", () => {
    // dig web.default A +edns: id 0xabcd, RD, 1 question, 1 additional (OPT)
    const hex = "abcd01200001000000000001037765620764656661756c740000010001" + "00002904d0000000000000";
    const q = parseQuery(Buffer.from(hex, "hex"));
    expect(q.id).toBe(0xabcd);
    expect(q.questions).toEqual([{ name: "web.default", type: 1, class: 1 }]);
  });

  it("builds A answers with name compression and reads them back", () => {
    const question = { name: "web.default.svc.cluster.local", type: TYPE_A, class: 1 };
    const buf = buildResponse({ id: 7, rd: true, aa: true, rcode: 0, question, answers: [{ name: question.name, ttl: 5, ip: "10.96.0.10" }, { name: question.name, ttl: 5, ip: "10.96.0.11" }] });
    // header 12 + qname 31 + 4 + 2 answers * 16
    expect(buf.length).toBe(12 + 31 + 4 + 32);
    const r = parseResponse(buf);
    expect(r).toMatchObject({ id: 7, rcode: 0, aa: true, tc: false });
    expect(r.answers).toEqual([
      { name: question.name, ttl: 5, ip: "10.96.0.10" },
      { name: question.name, ttl: 5, ip: "10.96.0.11" },
    ]);
    expect(buf.readUInt16BE(2) & 0x8180).toBe(0x8180); // QR + RD + RA
  });

  it("NXDOMAIN and SERVFAIL carry the question and no answers", () => {
    const question = { name: "nope.default.svc.cluster.local", type: TYPE_A, class: 1 };
    const nx = parseResponse(buildResponse({ id: 9, rd: true, aa: true, rcode: RCODE_NXDOMAIN, question }));
    expect(nx).toMatchObject({ id: 9, rcode: RCODE_NXDOMAIN, aa: true, answers: [] });
    const sf = parseResponse(buildResponse({ id: 10, rd: true, rcode: RCODE_SERVFAIL, question }));
    expect(sf).toMatchObject({ id: 10, rcode: RCODE_SERVFAIL, aa: false });
    expect(parseQuery(buildResponse({ id: 10, rd: true, rcode: RCODE_SERVFAIL, question })).questions[0]).toEqual(question);
  });

  it("truncates past maxBytes and sets TC", () => {
    const question = { name: "h.default.svc.cluster.local", type: TYPE_A, class: 1 };
    const answers = Array.from({ length: 60 }, (_, i) => ({ name: question.name, ttl: 5, ip: `172.17.0.${i + 2}` }));
    const buf = buildResponse({ id: 1, rd: true, rcode: 0, question, answers, maxBytes: 512 });
    expect(buf.length).toBeLessThanOrEqual(512);
    const r = parseResponse(buf);
    expect(r.tc).toBe(true);
    expect(r.answers.length).toBe(Math.floor((512 - 12 - 29 - 4) / 16));
    expect(parseResponse(buildResponse({ id: 1, rd: true, rcode: 0, question, answers })).answers).toHaveLength(60);
  });

  it("rejects truncated packets, compression loops, and bad labels", () => {
    expect(() => parseQuery(Buffer.alloc(5))).toThrow(DnsFormatError);
    const q = buildQuery(1, "web");
    expect(() => parseQuery(q.subarray(0, q.length - 3))).toThrow(DnsFormatError);
    const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    loop.writeUInt16BE(1, 4);
    expect(() => parseQuery(loop)).toThrow(/loop/);
    expect(() => readName(Buffer.from([0x40]), 0)).toThrow(DnsFormatError);
    expect(() => encodeName("a".repeat(64) + ".x")).toThrow(DnsFormatError);
    expect(() => encodeName(Array.from({ length: 50 }, () => "abcdef").join("."))).toThrow(/too long/);
    expect(encodeName("")).toEqual(Buffer.from([0]));
  });

  it("follows compression pointers", () => {
    // name at 12: "svc" then pointer to nothing; second name "web" + pointer to 12
    const buf = Buffer.concat([Buffer.alloc(12), Buffer.from([3, 0x73, 0x76, 0x63, 0]), Buffer.from([3, 0x77, 0x65, 0x62, 0xc0, 12])]);
    expect(readName(buf, 17)).toEqual({ name: "web.svc", next: 23 });
  });
});
