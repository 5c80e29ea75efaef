import net from "node:net";
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { SPDY3_DICTIONARY } from "../../lib/spdy/dictionary.js";
import { decodeHeaderBlock, encodeData, encodeHeaderBlock, encodePing, encodeSynStream, FrameReader, FrameType } from "../../lib/spdy/frames.js";
import { HeaderDecoder, HeaderEncoder } from "../../lib/spdy/header-codec.js";
import { SpdySession, type SpdyStream } from "../../lib/spdy/session.js";

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on("data", (d: Buffer) => parts.push(d));
    s.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    s.on("error", reject);
  });
}

describe("SPDY/3 dictionary", () => {
  it("is the 1423 bytes zlib identifies by Adler-32 0xe3c6a7c2", () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY).toString(16)).toBe("e3c6a7c2");
    expect(SPDY3_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from([0, 0, 0, 7, ...Buffer.from("options")]));
  });
});

describe("SPDY frames", () => {
  it("header blocks round-trip, with multi-valued names joined by NUL", () => {
    const block = encodeHeaderBlock({ streamtype: ["data"], port: ["8080"], multi: ["a", "b"] });
    expect(decodeHeaderBlock(block)).toEqual({ streamtype: ["data"], port: ["8080"], multi: ["a", "b"] });
    expect(decodeHeaderBlock(block.subarray(0, block.length - 1))).toBeUndefined();
    expect(() => decodeHeaderBlock(Buffer.concat([block, Buffer.from([0])]))).toThrow(/trailing/);
  });

  it("the reader cuts frames at any byte boundary", () => {
    const wire = Buffer.concat([encodeData(1, Buffer.from("hello"), true), encodePing(7), encodeSynStream(3, Buffer.from([1, 2, 3]))]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
      expect(frames).toHaveLength(3);
      expect(frames[0]).toMatchObject({ control: false, streamId: 1, flags: 1 });
      expect(frames[1]).toMatchObject({ control: true, version: 3, type: FrameType.PING });
      expect(frames[2]).toMatchObject({ control: true, type: FrameType.SYN_STREAM });
    }
  });
});

describe("SPDY header compression", () => {
  it("decodes blocks a real zlib compressed against the dictionary, in one context", async () => {
    // what Go's spdystream sends: one deflate stream, primed with the dictionary, sync-flushed per block
    const deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
    const out: Buffer[] = [];
    deflate.on("data", (d: Buffer) => out.push(d));
    const block = (h: Record<string, string[]>): Promise<Buffer> =>
      new Promise((resolve) => {
        deflate.write(encodeHeaderBlock(h));
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(out.splice(0)))));
      });
    const dec = new HeaderDecoder();
    const a = await block({ streamtype: ["error"], port: ["8080"], requestid: ["0"] });
    expect(a.readUInt8(1) & 0x20).toBe(0x20); // FDICT: the dictionary is required
    expect(await dec.decode(a)).toEqual({ streamtype: ["error"], port: ["8080"], requestid: ["0"] });
    const b = await block({ streamtype: ["data"], port: ["8080"], requestid: ["0"] });
    expect(await dec.decode(b)).toEqual({ streamtype: ["data"], port: ["8080"], requestid: ["0"] });
    dec.close();
    deflate.close();
  });

  it("what we encode inflates with a dictionary-primed zlib, block after block", async () => {
    const enc = new HeaderEncoder();
    const dec = new HeaderDecoder();
    const first = enc.encode({});
    // zlib header, then stored blocks ending with the sync-flush marker Go's inflater needs
    expect(first.subarray(0, 2)).toEqual(Buffer.from([0x78, 0x01]));
    expect(first.subarray(-5)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff]));
    expect(await dec.decode(first)).toEqual({});
    expect(await dec.decode(enc.encode({ a: ["1"] }))).toEqual({ a: ["1"] });
    const big = "x".repeat(70_000); // more than one stored block
    expect(await dec.decode(enc.encode({ big: [big] }))).toEqual({ big: [big] });
    dec.close();
  });
});

describe("SPDY session over TCP", () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  async function pair(): Promise<{ client: SpdySession; server: SpdySession }> {
    let accepted: (s: SpdySession) => void = () => undefined;
    const serverSession = new Promise<SpdySession>((r) => (accepted = r));
    const srv = net.createServer((sock) => accepted(new SpdySession(sock, { server: true })));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const sock = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1");
    const client = new SpdySession(sock, { server: false, pingIntervalMs: 20 });
    const server = await serverSession;
    cleanup.push(() => {
      client.destroy();
      server.destroy();
      srv.close();
    });
    return { client, server };
  }

  it("streams echo data both ways, half-close, and several run at once", async () => {
    const { client, server } = await pair();
    server.on("stream", (s: SpdyStream) => {
      s.reply();
      const tag = s.header("tag");
      s.on("data", (d: Buffer) => s.write(Buffer.from(`${tag}:${d.toString()}`)));
      s.on("end", () => s.end());
    });
    const streams = await Promise.all([1, 2, 3].map((n) => client.openStream({ tag: [`t${n}`] })));
    expect(streams.map((s) => s.id)).toEqual([1, 3, 5]);
    const results = streams.map((s) => readAll(s));
    streams.forEach((s, i) => s.end(`hi${i}`));
    expect(await Promise.all(results)).toEqual(["t1:hi0", "t2:hi1", "t3:hi2"]);
  });

  it("large payloads survive chunking into frames", async () => {
    const { client, server } = await pair();
    server.on("stream", (s: SpdyStream) => {
      s.reply();
      s.pipe(s);
    });
    const s = await client.openStream({});
    const payload = Buffer.alloc(1_000_000, 7);
    const got = readAll(s);
    s.end(payload);
    expect((await got).length).toBe(payload.length);
  });

  it("a reset reaches the other side; the connection keeps serving other streams", async () => {
    const { client, server } = await pair();
    const seen: SpdyStream[] = [];
    server.on("stream", (s: SpdyStream) => {
      seen.push(s);
      s.reply();
      if (s.header("kind") === "bad") s.reset();
      else s.end("fine");
    });
    const bad = await client.openStream({ kind: ["bad"] });
    await new Promise((r) => bad.once("close", r));
    expect(bad.wasReset).toBe(true);
    const good = await client.openStream({ kind: ["good"] });
    good.end();
    expect(await readAll(good)).toBe("fine");
    expect(client.isClosed).toBe(false);
  });

  it("close() sends GOAWAY and ends open streams on both sides", async () => {
    const { client, server } = await pair();
    server.on("stream", (s: SpdyStream) => s.reply());
    const s = await client.openStream({});
    const ended = new Promise((r) => s.once("close", r));
    const serverClosed = new Promise((r) => server.once("close", r));
    server.close();
    await ended;
    await serverClosed;
    await expect(client.openStream({})).rejects.toThrow();
  });
});
