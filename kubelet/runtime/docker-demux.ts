/**
 * Docker's multiplexed stream format (non-TTY logs, attach and exec): frames of an 8-byte header
 * `[stream, 0, 0, 0, size(uint32 BE)]` followed by `size` bytes; stream 1 is stdout, 2 stderr.
 */
import { Writable } from "node:stream";

/** Receives each payload with the stream it came from (1 stdout, 2 stderr). */
export type DemuxSink = (stream: 1 | 2, data: Buffer) => void;

/** A Writable that splits Docker's multiplexed frames and hands each payload to `sink`. */
export class DockerDemux extends Writable {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: DemuxSink) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (size > 0) this.sink(type === 2 ? 2 : 1, payload);
    }
    done();
  }
}

/** Demultiplex a complete buffer (a non-follow logs answer) into one Buffer in arrival order. */
export function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const size = buf.readUInt32BE(off + 4);
    parts.push(buf.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return Buffer.concat(parts);
}
