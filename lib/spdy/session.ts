/**
 * A SPDY/3.1 connection over any byte stream (a TCP socket after an HTTP upgrade, or a WebSocket
 * carrying SPDY in binary messages), with its streams as Node Duplexes. Just what Kubernetes'
 * port-forward needs from moby/spdystream, the library kubectl and the kubelet use:
 *
 * ```
 *   socket bytes -> FrameReader -> frames, handled one at a time (header blocks inflate async)
 *        SYN_STREAM  -> "stream" event (server side answers with stream.reply())
 *        SYN_REPLY   -> resolves openStream() (client side)
 *        DATA        -> stream.push(data); FIN -> push(null)
 *        RST_STREAM  -> stream destroyed; PING -> echoed; GOAWAY -> no new streams
 *   stream.write(d) -> DATA frames (32 KiB each); stream.end() -> empty DATA + FIN
 * ```
 *
 * Flow control: SPDY/3.1's WINDOW_UPDATE frames are read and ignored, and none are sent, because
 * spdystream (the only peer port-forward has: kubectl, and the kubelet in real clusters) implements
 * no windows either; back-pressure is TCP's. A stream whose reader falls behind pauses the
 * socket until it drains, as spdystream's blocking channel does.
 */
import { EventEmitter } from "node:events";
import { Duplex } from "node:stream";
import {
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  encodeSynStream,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameReader,
  FrameType,
  GoAwayStatus,
  parseStreamHead,
  parseSynStream,
  parseTwoWords,
  RstStatus,
  SPDY_VERSION,
  type HeaderBlock,
  type RawFrame,
} from "./frames.js";
import { HeaderDecoder, HeaderEncoder } from "./header-codec.js";

const DATA_CHUNK = 32 * 1024;

/** How a session behaves. */
export interface SpdySessionOptions {
  /** true on the side that accepted the connection (its streams would be even-numbered) */
  server: boolean;
  /** send a PING this often (kubectl pings every 10 s); 0 or absent: never */
  pingIntervalMs?: number;
}

/** Why a session ended, for logs. */
export type SessionEnd = { reason: "closed" | "goaway" | "error"; message?: string };

/**
 * One SPDY connection. Events: `stream` (SpdyStream, a peer-opened stream: reply() or reset()
 * it), `close` (SessionEnd, once).
 */
export class SpdySession extends EventEmitter {
  private readonly reader = new FrameReader();
  private readonly encoder = new HeaderEncoder();
  private readonly decoder = new HeaderDecoder();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pendingOpens = new Map<number, { resolve: (s: SpdyStream) => void; reject: (e: Error) => void }>();
  private readonly inbox: RawFrame[] = [];
  private handling = false;
  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private goneAway = false;
  private closed = false;
  private pausedBy = new Set<SpdyStream>();
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    super();
    this.nextStreamId = opts.server ? 2 : 1;
    this.nextPingId = opts.server ? 2 : 1;
    socket.on("data", (chunk: Buffer) => this.onBytes(chunk));
    socket.on("end", () => this.shutdown({ reason: "closed" }));
    socket.on("close", () => this.shutdown({ reason: "closed" }));
    socket.on("error", (e: Error) => this.shutdown({ reason: "error", message: e.message }));
    if (opts.pingIntervalMs) {
      this.pingTimer = setInterval(() => this.ping(), opts.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  /** Streams currently open. */
  get streamCount(): number {
    return this.streams.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Open a stream (client side); resolves once the peer's SYN_REPLY arrives. */
  openStream(headers: HeaderBlock, opts: { fin?: boolean } = {}): Promise<SpdyStream> {
    if (this.closed || this.goneAway) return Promise.reject(new Error("SPDY connection is closed"));
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers, true);
    this.streams.set(id, stream);
    const p = new Promise<SpdyStream>((resolve, reject) => this.pendingOpens.set(id, { resolve, reject }));
    this.write(encodeSynStream(id, this.encoder.encode(headers), { fin: opts.fin }));
    if (opts.fin) stream.markLocalFin();
    return p;
  }

  /** Send a PING (the peer echoes it; we do not wait for the answer). */
  ping(): void {
    if (this.closed) return;
    const id = this.nextPingId;
    this.nextPingId = this.nextPingId > 0x7ffffffd ? (this.opts.server ? 2 : 1) : this.nextPingId + 2;
    this.write(encodePing(id));
  }

  /** Say GOAWAY, end every stream, and close the connection. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) this.write(encodeGoAway(this.lastPeerStreamId, GoAwayStatus.OK));
    this.goneAway = true;
    this.shutdown({ reason: "goaway" });
    this.socket.end();
  }

  /** Drop the connection at once. */
  destroy(): void {
    this.shutdown({ reason: "closed" });
    this.socket.destroy();
  }

  // ------------------------------------------------------------ used by SpdyStream

  /** @internal */
  write(frame: Buffer, done?: () => void): void {
    if (this.closed || this.socket.destroyed || this.socket.writableEnded) {
      done?.();
      return;
    }
    const ok = this.socket.write(frame);
    if (!done) return;
    if (ok) done();
    else this.socket.once("drain", done);
  }

  /** @internal */
  sendReply(stream: SpdyStream, headers: HeaderBlock, fin: boolean): void {
    this.write(encodeSynReply(stream.id, this.encoder.encode(headers), fin));
  }

  /** @internal */
  sendData(stream: SpdyStream, data: Buffer, fin: boolean, done: () => void): void {
    if (data.length === 0) {
      this.write(encodeData(stream.id, data, fin), done);
      return;
    }
    for (let off = 0; off < data.length; off += DATA_CHUNK) {
      const last = off + DATA_CHUNK >= data.length;
      this.write(encodeData(stream.id, data.subarray(off, off + DATA_CHUNK), fin && last), last ? done : undefined);
    }
  }

  /** @internal */
  sendReset(stream: SpdyStream, status: number): void {
    this.write(encodeRstStream(stream.id, status));
  }

  /** @internal a stream is done both ways (or reset): forget it. */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    this.pendingOpens.get(stream.id)?.reject(new Error("stream closed before the reply"));
    this.pendingOpens.delete(stream.id);
    this.resumeFor(stream);
  }

  /** @internal */
  pauseFor(stream: SpdyStream): void {
    this.pausedBy.add(stream);
    this.socket.pause();
  }

  /** @internal */
  resumeFor(stream: SpdyStream): void {
    if (!this.pausedBy.delete(stream)) return;
    if (this.pausedBy.size === 0 && !this.closed) this.socket.resume();
  }

  // ------------------------------------------------------------ inbound

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: RawFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      this.protocolError(e instanceof Error ? e.message : String(e));
      return;
    }
    this.inbox.push(...frames);
    void this.drain();
  }

  /** Handle frames strictly in order; a header block's inflate is the only wait. */
  private async drain(): Promise<void> {
    if (this.handling) return;
    this.handling = true;
    try {
      while (this.inbox.length && !this.closed) {
        const f = this.inbox.shift() as RawFrame;
        const pending = this.handle(f);
        if (pending) await pending;
      }
    } catch (e) {
      this.protocolError(e instanceof Error ? e.message : String(e));
    } finally {
      this.handling = false;
    }
  }

  private handle(f: RawFrame): Promise<void> | undefined {
    if (!f.control) {
      this.onData(f.streamId, f.data, (f.flags & FLAG_FIN) !== 0);
      return undefined;
    }
    if (f.version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${f.version}`);
    switch (f.type) {
      case FrameType.SYN_STREAM:
        return this.onSynStream(f.payload, f.flags);
      case FrameType.SYN_REPLY:
        return this.onSynReply(f.payload, f.flags);
      case FrameType.HEADERS:
        // headers after the reply: inflate to keep the zlib context in step, use nothing
        return this.decoder.decode(parseStreamHead(f.payload).rest).then(() => {
          if (f.flags & FLAG_FIN) this.streams.get(parseStreamHead(f.payload).streamId)?.remoteFin();
        });
      case FrameType.RST_STREAM: {
        const [id] = parseTwoWords(f.payload);
        this.streams.get(id)?.peerReset();
        return undefined;
      }
      case FrameType.PING: {
        const id = f.payload.readUInt32BE(0);
        // ours come back with our parity: nothing to do; the peer's go back as they came
        if ((id & 1) !== (this.nextPingId & 1)) this.write(encodePing(id));
        return undefined;
      }
      case FrameType.GOAWAY:
        this.goneAway = true;
        for (const [id, p] of this.pendingOpens) {
          p.reject(new Error("the peer sent GOAWAY"));
          this.pendingOpens.delete(id);
        }
        return undefined;
      case FrameType.SETTINGS:
      case FrameType.WINDOW_UPDATE:
        return undefined; // see the header comment: no flow-control windows, as spdystream
      default:
        return undefined; // unknown control frames are ignored (SPDY/3 section 2.2.1)
    }
  }

  private async onSynStream(payload: Buffer, flags: number): Promise<void> {
    const syn = parseSynStream(payload);
    const headers = await this.decoder.decode(syn.headerBlock);
    const id = syn.streamId;
    const peerParity = this.opts.server ? 1 : 0;
    if (id === 0 || (id & 1) !== peerParity || id <= this.lastPeerStreamId) {
      this.write(encodeRstStream(id, RstStatus.PROTOCOL_ERROR));
      return;
    }
    this.lastPeerStreamId = id;
    if (this.goneAway) {
      this.write(encodeRstStream(id, RstStatus.REFUSED_STREAM));
      return;
    }
    const stream = new SpdyStream(this, id, headers, false);
    this.streams.set(id, stream);
    if (flags & FLAG_UNIDIRECTIONAL) stream.markLocalFin();
    if (flags & FLAG_FIN) stream.remoteFin();
    if (this.listenerCount("stream") === 0) stream.reset(RstStatus.REFUSED_STREAM);
    else this.emit("stream", stream);
  }

  private async onSynReply(payload: Buffer, flags: number): Promise<void> {
    const { streamId, rest } = parseStreamHead(payload);
    const headers = await this.decoder.decode(rest);
    const open = this.pendingOpens.get(streamId);
    const stream = this.streams.get(streamId);
    if (!open || !stream) return;
    this.pendingOpens.delete(streamId);
    stream.replyHeaders = headers;
    if (flags & FLAG_FIN) stream.remoteFin();
    open.resolve(stream);
  }

  private onData(id: number, data: Buffer, fin: boolean): void {
    const s = this.streams.get(id);
    if (!s) return; // already reset or finished here: late frames are dropped, as spdystream does
    if (data.length) s.remoteData(data);
    if (fin) s.remoteFin();
  }

  private protocolError(message: string): void {
    if (this.closed) return;
    this.write(encodeGoAway(this.lastPeerStreamId, GoAwayStatus.PROTOCOL_ERROR));
    this.shutdown({ reason: "error", message });
    this.socket.destroy();
  }

  private shutdown(end: SessionEnd): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const p of this.pendingOpens.values()) p.reject(new Error("SPDY connection closed"));
    this.pendingOpens.clear();
    for (const s of [...this.streams.values()]) s.connectionClosed();
    this.streams.clear();
    this.decoder.close();
    this.emit("close", end);
  }
}

/**
 * One SPDY stream as a Duplex: what the peer sends is readable, what we write goes out as data
 * frames, end() half-closes (FIN). destroy() before both halves finished resets it (RST_STREAM
 * CANCEL). `headers` are the SYN_STREAM's; `wasReset` tells a peer's reset from a clean end.
 */
export class SpdyStream extends Duplex {
  /** the SYN_REPLY's headers (streams we opened) */
  replyHeaders: HeaderBlock = {};
  wasReset = false;
  private replied: boolean;
  private localFin = false;
  private remoteFinished = false;
  private done = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: HeaderBlock,
    openedHere: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.replied = openedHere;
  }

  /** The first value of a SYN_STREAM header. */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  /** Accept a peer-opened stream (SYN_REPLY). Writes before this are held by the caller. */
  reply(headers: HeaderBlock = {}): void {
    if (this.replied || this.done) return;
    this.replied = true;
    this.session.sendReply(this, headers, false);
  }

  /** Abort the stream (RST_STREAM). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.done) return;
    this.session.sendReset(this, status);
    this.finish();
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.done) return cb(new Error("write on a closed SPDY stream"));
    if (!this.replied) this.reply();
    this.session.sendData(this, chunk, false, () => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.done || this.localFin) return cb();
    if (!this.replied) this.reply();
    this.localFin = true;
    this.session.sendData(this, Buffer.alloc(0), true, () => {
      this.maybeDone();
      cb();
    });
  }

  override _read(): void {
    this.session.resumeFor(this);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.done) {
      // dropped before both halves ended: tell the peer
      this.session.sendReset(this, RstStatus.CANCEL);
      this.finish();
    }
    cb(err);
  }

  /** @internal */
  markLocalFin(): void {
    this.localFin = true;
  }

  /** @internal */
  remoteData(data: Buffer): void {
    if (this.remoteFinished || this.done) return;
    if (!this.push(data)) this.session.pauseFor(this);
  }

  /** @internal */
  remoteFin(): void {
    if (this.remoteFinished) return;
    this.remoteFinished = true;
    this.push(null);
    this.maybeDone();
  }

  /** @internal */
  peerReset(): void {
    if (this.done) return;
    this.wasReset = true;
    this.finish();
    this.destroy();
  }

  /** @internal the connection went away under the stream */
  connectionClosed(): void {
    if (this.done) return;
    this.finish();
    if (!this.remoteFinished) this.push(null);
    this.destroy();
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFinished && !this.done) this.finish();
  }

  private finish(): void {
    this.done = true;
    this.session.forget(this);
  }
}
