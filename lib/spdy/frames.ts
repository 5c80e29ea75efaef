/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 with the 3.1 flow-control frames): the 8-byte
 * frame headers, the control frames kubectl's port-forward uses, the name/value header block, and
 * an incremental reader that cuts a byte stream into frames.
 *
 * ```
 *  control: |1| version(15)=3 | type(16) |  flags(8) | length(24) |  payload
 *  data:    |0|      stream id(31)       |  flags(8) | length(24) |  payload
 * ```
 * Header blocks are zlib-compressed with one context per direction per connection; that part
 * lives in header-codec.ts. Pure functions, no I/O.
 */

/** The protocol version in every control frame. */
export const SPDY_VERSION = 3;

/** Control frame types. */
export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** FLAG_FIN on data, SYN_STREAM, SYN_REPLY and HEADERS: the sender's half of the stream ends. */
export const FLAG_FIN = 0x01;
/** FLAG_UNIDIRECTIONAL on SYN_STREAM: the receiver will not send on this stream. */
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** Largest payload one frame can carry (24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;

/** A frame as read off the wire: control frames keep their raw payload (headers still compressed). */
export type RawFrame =
  | { control: true; version: number; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** SPDY header names are lower case; a name may carry several values, joined with NUL on the wire. */
export type HeaderBlock = Record<string, string[]>;

// ---------------------------------------------------------------- encoding

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new RangeError(`SPDY control frame too large (${payload.length} bytes)`);
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  out.writeUInt16BE(type, 2);
  out.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  payload.copy(out, 8);
  return out;
}

/** A data frame; `data` must fit one frame (see MAX_FRAME_PAYLOAD). */
export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  if (data.length > MAX_FRAME_PAYLOAD) throw new RangeError(`SPDY data frame too large (${data.length} bytes)`);
  const out = Buffer.allocUnsafe(8 + data.length);
  out.writeUInt32BE(streamId & 0x7fffffff, 0);
  out.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  data.copy(out, 8);
  return out;
}

/** SYN_STREAM with an already-compressed header block. Priority 0-7, 0 is the highest. */
export function encodeSynStream(streamId: number, compressedHeaders: Buffer, opts: { fin?: boolean; unidirectional?: boolean; priority?: number; associatedTo?: number } = {}): Buffer {
  const p = Buffer.allocUnsafe(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE((opts.associatedTo ?? 0) & 0x7fffffff, 4);
  p[8] = ((opts.priority ?? 0) & 0x7) << 5;
  p[9] = 0; // credential slot (unused since SPDY/3.1)
  const flags = (opts.fin ? FLAG_FIN : 0) | (opts.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
  return control(FrameType.SYN_STREAM, flags, Buffer.concat([p, compressedHeaders]));
}

/** SYN_REPLY with an already-compressed header block. */
export function encodeSynReply(streamId: number, compressedHeaders: Buffer, fin = false): Buffer {
  return control(FrameType.SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId & 0x7fffffff), compressedHeaders]));
}

/** RST_STREAM: abort one stream with a status (RstStatus). */
export function encodeRstStream(streamId: number, status: number): Buffer {
  return control(FrameType.RST_STREAM, 0, Buffer.concat([u32(streamId & 0x7fffffff), u32(status)]));
}

/** PING: the peer echoes it with the same id (odd ids are the client's, even the server's). */
export function encodePing(id: number): Buffer {
  return control(FrameType.PING, 0, u32(id));
}

/** GOAWAY: no new streams; the last stream id the sender accepted, and a status (GoAwayStatus). */
export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  return control(FrameType.GOAWAY, 0, Buffer.concat([u32(lastGoodStreamId & 0x7fffffff), u32(status)]));
}

/** WINDOW_UPDATE (SPDY/3.1 flow control): grow a stream's (or, with id 0, the connection's) send window. */
export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return control(FrameType.WINDOW_UPDATE, 0, Buffer.concat([u32(streamId & 0x7fffffff), u32(delta & 0x7fffffff)]));
}

/** The uncompressed name/value block: count, then (name length, name, value length, value)... */
export function encodeHeaderBlock(headers: HeaderBlock): Buffer {
  const parts: Buffer[] = [];
  const names = Object.keys(headers);
  parts.push(u32(names.length));
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), "utf8");
    const v = Buffer.from(headers[name].join("\0"), "utf8");
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- decoding

/**
 * Parse an uncompressed name/value block. Returns `undefined` when `buf` holds only a prefix of
 * one (the decompressor may hand it over in pieces); throws on a malformed one.
 */
export function decodeHeaderBlock(buf: Buffer, limits = { maxHeaders: 1000, maxField: 1 << 20 }): HeaderBlock | undefined {
  if (buf.length < 4) return undefined;
  const count = buf.readUInt32BE(0);
  if (count > limits.maxHeaders) throw new Error(`SPDY header block has too many headers (${count})`);
  const out: HeaderBlock = {};
  let off = 4;
  for (let i = 0; i < count; i++) {
    const name = readString(buf, off, limits.maxField);
    if (!name) return undefined;
    off = name.next;
    const value = readString(buf, off, limits.maxField);
    if (!value) return undefined;
    off = value.next;
    const key = name.text.toLowerCase();
    out[key] = [...(out[key] ?? []), ...value.text.split("\0")];
  }
  if (off !== buf.length) throw new Error(`SPDY header block has ${buf.length - off} trailing bytes`);
  return out;
}

function readString(buf: Buffer, off: number, max: number): { text: string; next: number } | undefined {
  if (buf.length < off + 4) return undefined;
  const len = buf.readUInt32BE(off);
  if (len > max) throw new Error(`SPDY header field too long (${len} bytes)`);
  if (buf.length < off + 4 + len) return undefined;
  return { text: buf.toString("utf8", off + 4, off + 4 + len), next: off + 4 + len };
}

/** The stream id that starts SYN_REPLY / HEADERS / RST_STREAM payloads, and the rest. */
export function parseStreamHead(payload: Buffer): { streamId: number; rest: Buffer } {
  if (payload.length < 4) throw new Error("SPDY frame too short");
  return { streamId: payload.readUInt32BE(0) & 0x7fffffff, rest: payload.subarray(4) };
}

/** SYN_STREAM's fixed fields and its (still compressed) header block. */
export function parseSynStream(payload: Buffer): { streamId: number; associatedTo: number; priority: number; headerBlock: Buffer } {
  if (payload.length < 10) throw new Error("SPDY SYN_STREAM too short");
  return {
    streamId: payload.readUInt32BE(0) & 0x7fffffff,
    associatedTo: payload.readUInt32BE(4) & 0x7fffffff,
    priority: payload[8] >> 5,
    headerBlock: payload.subarray(10),
  };
}

/** Two 32-bit words (RST_STREAM: id + status, GOAWAY: last id + status, WINDOW_UPDATE: id + delta). */
export function parseTwoWords(payload: Buffer): [number, number] {
  if (payload.length < 8) throw new Error("SPDY frame too short");
  return [payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4)];
}

/**
 * Cuts a byte stream into frames. Feed it whatever arrives; it returns the complete frames and
 * keeps the rest for the next call.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxPayload = MAX_FRAME_PAYLOAD) {}

  push(chunk: Buffer): RawFrame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: RawFrame[] = [];
    if (this.pendingBytes < 8) return frames;
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    let off = 0;
    while (buf.length - off >= 8) {
      const w0 = buf.readUInt32BE(off);
      const w1 = buf.readUInt32BE(off + 4);
      const len = w1 & 0xffffff;
      if (len > this.maxPayload) throw new Error(`SPDY frame too large (${len} bytes)`);
      if (buf.length - off < 8 + len) break;
      const body = buf.subarray(off + 8, off + 8 + len);
      const flags = w1 >>> 24;
      if (w0 & 0x80000000) frames.push({ control: true, version: (w0 >>> 16) & 0x7fff, type: w0 & 0xffff, flags, payload: body });
      else frames.push({ control: false, streamId: w0 & 0x7fffffff, flags, data: body });
      off += 8 + len;
    }
    buf = buf.subarray(off);
    this.pending = buf.length ? [buf] : [];
    this.pendingBytes = buf.length;
    return frames;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
