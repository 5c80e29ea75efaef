/**
 * The little of the tar format `kctl cp` needs, as the container's `tar` reads and writes it
 * (busybox and GNU tar): ustar headers for regular files and directories, GNU long names
 * (`././@LongLink`, type L) and pax `path` records (type x) for names over 100 bytes.
 * Archives are built and read in memory: cp moves files, not disks.
 */

const BLOCK = 512;

/** One archive member. */
export interface TarEntry {
  /** relative path, `/`-separated; directories without a trailing slash */
  name: string;
  type: "file" | "directory";
  mode: number;
  mtime: number;
  data?: Buffer;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, type: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode & 0o7777, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(mtime), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(type, 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest ? [data, Buffer.alloc(BLOCK - rest)] : [data];
}

/** A tar archive of `entries` (with the two zero blocks that end it). */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === "directory" ? `${e.name}/` : e.name;
    if (Buffer.byteLength(name) > 100) {
      const long = Buffer.from(`${name}\0`);
      parts.push(header("././@LongLink", "L", long.length, 0o644, 0), ...padded(long));
    }
    const data = e.type === "file" ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0);
    parts.push(header(name, e.type === "file" ? "0" : "5", data.length, e.mode, e.mtime));
    if (data.length) parts.push(...padded(data));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function text(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString("utf8");
}

function num(b: Buffer, start: number, len: number): number {
  const s = text(b, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** The `path` of a pax extended header, if it has one. */
function paxPath(data: Buffer): string | undefined {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString("ascii"));
    if (!Number.isInteger(len) || len <= 0) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (rec.slice(0, eq) === "path") return rec.slice(eq + 1);
    i += len;
  }
  return undefined;
}

/** The regular files and directories of an archive (links and devices are skipped, as kubectl cp does). */
export function readTar(archive: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  while (off + BLOCK <= archive.length) {
    const h = archive.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = num(h, 124, 12);
    const type = String.fromCharCode(h[156] || 0x30);
    const prefix = h.subarray(257, 263).toString("ascii").startsWith("ustar") ? text(h, 345, 155) : "";
    const data = archive.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === "g") continue;
    const raw = longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    longName = undefined;
    const name = raw.replace(/\/+$/, "");
    const entry = { name, mode: num(h, 100, 8), mtime: num(h, 136, 12) };
    if (type === "0" || type === "7") out.push({ ...entry, type: "file", data: Buffer.from(data) });
    else if (type === "5") out.push({ ...entry, type: "directory" });
  }
  return out;
}
