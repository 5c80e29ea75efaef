/**
 * A small DNS wire codec (RFC 1035): enough to read a query and write the answers the node's DNS
 * server gives (A records, NOERROR without data, NXDOMAIN, SERVFAIL). Hand-written because the
 * project takes no DNS dependency and the subset is small; every bound is checked, so a hostile
 * packet is a {@link DnsFormatError}, never an exception from a Buffer read out of range.
 */

/** Record types the server knows by name. */
export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;

/** Response codes. */
export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

/** A packet that does not parse. */
export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DnsFormatError";
  }
}

/** One question: the name is lower-cased, without the trailing dot ("" for the root). */
export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

/** The parts of a query the server uses. */
export interface DnsQuery {
  id: number;
  /** opcode (0 = standard query) */
  opcode: number;
  /** recursion desired: echoed in the answer */
  rd: boolean;
  /** true when the packet is a response (the server drops those) */
  qr: boolean;
  questions: DnsQuestion[];
}

/** An A answer. */
export interface ARecord {
  name: string;
  ttl: number;
  ip: string;
}

/** What {@link buildResponse} writes. */
export interface DnsResponse {
  id: number;
  opcode?: number;
  rd: boolean;
  /** authoritative (true for cluster names) */
  aa?: boolean;
  rcode: number;
  question?: DnsQuestion;
  answers?: ARecord[];
  /** cap the packet at this many bytes, dropping answers and setting TC (UDP: 512) */
  maxBytes?: number;
}

const HEADER = 12;
/** A name has at most 255 bytes on the wire; more pointer jumps than labels means a loop. */
const MAX_NAME = 255;
const MAX_JUMPS = 64;

function need(buf: Buffer, off: number, n: number): void {
  if (off + n > buf.length) throw new DnsFormatError("truncated packet");
}

/** Read a (possibly compressed) name at `off`; returns it and the offset after it. */
export function readName(buf: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let jumps = 0;
  let total = 0;
  for (;;) {
    need(buf, off, 1);
    const len = buf[off]!;
    if ((len & 0xc0) === 0xc0) {
      need(buf, off, 2);
      if (++jumps > MAX_JUMPS) throw new DnsFormatError("name compression loop");
      if (next < 0) next = off + 2;
      off = ((len & 0x3f) << 8) | buf[off + 1]!;
      continue;
    }
    if (len & 0xc0) throw new DnsFormatError("unsupported label type");
    off += 1;
    if (len === 0) break;
    need(buf, off, len);
    total += len + 1;
    if (total > MAX_NAME) throw new DnsFormatError("name too long");
    labels.push(buf.toString("latin1", off, off + len).toLowerCase());
    off += len;
  }
  return { name: labels.join("."), next: next < 0 ? off : next };
}

/** Parse a query's header and questions (answer/authority/additional sections are ignored). */
export function parseQuery(buf: Buffer): DnsQuery {
  need(buf, 0, HEADER);
  const flags = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  if (qdcount > 16) throw new DnsFormatError("too many questions");
  const questions: DnsQuestion[] = [];
  let off = HEADER;
  for (let i = 0; i < qdcount; i++) {
    const { name, next } = readName(buf, off);
    need(buf, next, 4);
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    off = next + 4;
  }
  return { id: buf.readUInt16BE(0), opcode: (flags >> 11) & 0xf, rd: Boolean(flags & 0x0100), qr: Boolean(flags & 0x8000), questions };
}

/** Read just the id of a packet (for error answers to packets that do not parse). */
export function packetId(buf: Buffer): number | undefined {
  return buf.length >= 2 ? buf.readUInt16BE(0) : undefined;
}

/** Encode a name as labels (no compression). @throws DnsFormatError for an over-long label or name */
export function encodeName(name: string): Buffer {
  const parts = name === "" ? [] : name.replace(/\.$/, "").split(".");
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, "latin1");
    if (b.length === 0 || b.length > 63) throw new DnsFormatError(`bad label in "${name}"`);
    out.push(Buffer.from([b.length]), b);
  }
  out.push(Buffer.from([0]));
  const all = Buffer.concat(out);
  if (all.length > MAX_NAME) throw new DnsFormatError("name too long");
  return all;
}

function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new DnsFormatError(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts);
}

/**
 * Build a response. Answers whose owner is the question name point back at it (compression,
 * 16 bytes per A record), so ~30 addresses fit a 512-byte UDP answer; past `maxBytes` answers
 * are dropped and TC is set so the client retries over TCP.
 */
export function buildResponse(r: DnsResponse): Buffer {
  const q = r.question;
  const qname = q ? encodeName(q.name) : undefined;
  const answers = r.answers ?? [];
  const encoded: Buffer[] = [];
  for (const a of answers) {
    const owner = q && a.name === q.name ? Buffer.from([0xc0, HEADER]) : encodeName(a.name);
    const rr = Buffer.alloc(10);
    rr.writeUInt16BE(TYPE_A, 0);
    rr.writeUInt16BE(CLASS_IN, 2);
    rr.writeUInt32BE(Math.max(0, Math.floor(a.ttl)), 4);
    rr.writeUInt16BE(4, 8);
    encoded.push(Buffer.concat([owner, rr, ipv4Bytes(a.ip)]));
  }
  let size = HEADER + (qname ? qname.length + 4 : 0);
  let kept = 0;
  let truncated = false;
  for (const e of encoded) {
    if (r.maxBytes !== undefined && size + e.length > r.maxBytes) {
      truncated = true;
      break;
    }
    size += e.length;
    kept++;
  }
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(r.id & 0xffff, 0);
  let flags = 0x8000 | ((r.opcode ?? 0) & 0xf) << 11 | 0x0080; // QR, opcode, RA
  if (r.aa) flags |= 0x0400;
  if (truncated) flags |= 0x0200;
  if (r.rd) flags |= 0x0100;
  flags |= r.rcode & 0xf;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(q ? 1 : 0, 4);
  header.writeUInt16BE(kept, 6);
  const parts: Buffer[] = [header];
  if (q && qname) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    parts.push(qname, tail);
  }
  parts.push(...encoded.slice(0, kept));
  return Buffer.concat(parts);
}

/** Build a query (used by tests and by nothing else on the hot path). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/** Decode a response's header and A answers (tests and the forwarder's sanity check). */
export function parseResponse(buf: Buffer): { id: number; rcode: number; aa: boolean; tc: boolean; answers: ARecord[] } {
  const q = parseQuery(buf);
  const flags = buf.readUInt16BE(2);
  const ancount = buf.readUInt16BE(6);
  let off = HEADER;
  for (let i = 0; i < q.questions.length; i++) off = readName(buf, off).next + 4;
  const answers: ARecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const { name, next } = readName(buf, off);
    need(buf, next, 10);
    const type = buf.readUInt16BE(next);
    const ttl = buf.readUInt32BE(next + 4);
    const len = buf.readUInt16BE(next + 8);
    need(buf, next + 10, len);
    if (type === TYPE_A && len === 4) answers.push({ name, ttl, ip: [...buf.subarray(next + 10, next + 14)].join(".") });
    off = next + 10 + len;
  }
  return { id: q.id, rcode: flags & 0xf, aa: Boolean(flags & 0x0400), tc: Boolean(flags & 0x0200), answers };
}
