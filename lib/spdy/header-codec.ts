/**
 * SPDY/3 header block compression: one zlib stream per direction for the whole connection, primed
 * with the SPDY dictionary, each block ending on a byte boundary (a sync flush).
 *
 * Sending: we emit zlib's "stored" (uncompressed) deflate blocks. That is valid deflate, any
 * inflater primed with any dictionary reads it, and it needs no compression state, so encoding is
 * synchronous and frames keep their order without an async queue. Header blocks are a few dozen
 * bytes here (port-forward's streamtype/port/requestid), so not compressing them costs nothing.
 *
 * Receiving: the peer (Go's spdystream) really compresses against the dictionary, so we inflate
 * with one long-lived zlib Inflate. That is asynchronous in Node; the session serializes frame
 * handling around it.
 */
import zlib from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.js";
import { decodeHeaderBlock, encodeHeaderBlock, type HeaderBlock } from "./frames.js";

/** zlib header: deflate, 32 KiB window, no preset dictionary, check bits valid (0x7801 % 31 == 0). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);
const MAX_STORED = 0xffff;
/** An empty non-final stored block: what zlib's Z_SYNC_FLUSH emits. */
const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** Encodes header blocks for one direction of one connection. */
export class HeaderEncoder {
  private started = false;

  /** The bytes to put after a SYN_STREAM / SYN_REPLY / HEADERS frame's fixed fields. */
  encode(headers: HeaderBlock): Buffer {
    const raw = encodeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(ZLIB_HEADER);
      this.started = true;
    }
    // raw is never empty (it starts with the 4-byte header count)
    for (let off = 0; off < raw.length; off += MAX_STORED) {
      const chunk = raw.subarray(off, Math.min(raw.length, off + MAX_STORED));
      const head = Buffer.allocUnsafe(5);
      head[0] = 0x00; // BFINAL=0, BTYPE=00 (stored), then padding to the byte boundary
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    // End with the empty stored block of a zlib sync flush: Go's inflater hands out a block's
    // bytes only when it meets the next block header, and reading past the frame breaks it.
    parts.push(SYNC_FLUSH_MARKER);
    return Buffer.concat(parts);
  }
}

/** Decodes the peer's header blocks, in the order they arrive. */
export class HeaderDecoder {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  private out: Buffer[] = [];
  private waiter: { resolve: (h: HeaderBlock) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;

  constructor() {
    this.inflate.on("data", (d: Buffer) => {
      this.out.push(d);
      this.check();
    });
    this.inflate.on("error", (e: Error) => {
      this.failed = new Error(`SPDY header decompression failed: ${e.message}`);
      this.waiter?.reject(this.failed);
      this.waiter = undefined;
    });
  }

  /** Decompress one frame's header block. Call one at a time (await each before the next). */
  decode(compressed: Buffer): Promise<HeaderBlock> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiter) return Promise.reject(new Error("HeaderDecoder.decode called concurrently"));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.inflate.write(compressed);
      this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => this.check());
    });
  }

  close(): void {
    this.inflate.destroy();
  }

  private check(): void {
    if (!this.waiter || this.out.length === 0) return;
    const buf = Buffer.concat(this.out);
    let block: HeaderBlock | undefined;
    try {
      block = decodeHeaderBlock(buf);
    } catch (e) {
      this.waiter.reject(e instanceof Error ? e : new Error(String(e)));
      this.waiter = undefined;
      return;
    }
    if (!block) return; // more output is on its way
    this.out = [];
    const w = this.waiter;
    this.waiter = undefined;
    w.resolve(block);
  }
}
