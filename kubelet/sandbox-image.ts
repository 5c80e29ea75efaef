/**
 * The pod sandbox image `kctl/pause:1`, built locally on first use and never pulled.
 *
 * On x86-64 the image holds one hand-assembled static ELF (216 bytes) that installs a
 * SIGTERM/SIGINT handler calling exit_group(0) and then pause()s forever, like Kubernetes'
 * pause. (A PID 1 without a handler would ignore SIGTERM.) On other architectures the image is
 * built FROM scratch with the host's static busybox when there is one.
 */
import fs from "node:fs";
import os from "node:os";
import { Readable } from "node:stream";
import type Dockerode from "dockerode";
import type { Logger } from "../lib/logger.js";

/** The sandbox image reference. */
export const SANDBOX_IMAGE = "kctl/pause:1";

const BASE = 0x400000;
const CODE_OFFSET = 120; // ELF header (64) + one program header (56)

/** The x86-64 pause program: code plus a kernel sigaction struct. */
function pauseCodeX64(): Buffer {
  const code = Buffer.from([
    0xb8, 0x0d, 0, 0, 0, //        mov eax, 13 (rt_sigaction)
    0xbf, 0x0f, 0, 0, 0, //        mov edi, 15 (SIGTERM)
    0x48, 0x8d, 0x35, 0x2f, 0, 0, 0, // lea rsi, [rip+0x2f] -> act
    0x31, 0xd2, //                 xor edx, edx
    0x41, 0xba, 0x08, 0, 0, 0, //  mov r10d, 8 (sigsetsize)
    0x0f, 0x05, //                 syscall
    0xb8, 0x0d, 0, 0, 0, //        mov eax, 13
    0xbf, 0x02, 0, 0, 0, //        mov edi, 2 (SIGINT)
    0x48, 0x8d, 0x35, 0x14, 0, 0, 0, // lea rsi, [rip+0x14] -> act
    0x0f, 0x05, //                 syscall
    0xb8, 0x22, 0, 0, 0, //        loop: mov eax, 34 (pause)
    0x0f, 0x05, //                 syscall
    0xeb, 0xf7, //                 jmp loop
    0xb8, 0xe7, 0, 0, 0, //        handler: mov eax, 231 (exit_group)
    0x31, 0xff, //                 xor edi, edi
    0x0f, 0x05, //                 syscall
  ]);
  const handler = BASE + CODE_OFFSET + 0x37;
  const act = Buffer.alloc(32); // sa_handler, sa_flags, sa_restorer, sa_mask
  act.writeBigUInt64LE(BigInt(handler), 0);
  // x86-64 refuses to deliver a signal without SA_RESTORER; the handler never returns, so the
  // "restorer" is the handler itself.
  act.writeBigUInt64LE(0x04000000n, 8);
  act.writeBigUInt64LE(BigInt(handler), 16);
  return Buffer.concat([code, act]);
}

/** A minimal static ELF64 executable for x86-64 that waits for SIGTERM and exits 0. */
export function pauseElfX64(): Buffer {
  const body = pauseCodeX64();
  const total = CODE_OFFSET + body.length;
  const h = Buffer.alloc(CODE_OFFSET);
  h.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, 64-bit, little endian, version 1, SYSV
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(0x3e, 18); // EM_X86_64
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(BigInt(BASE + CODE_OFFSET), 24); // e_entry
  h.writeBigUInt64LE(64n, 32); // e_phoff
  h.writeBigUInt64LE(0n, 40); // e_shoff
  h.writeUInt32LE(0, 48);
  h.writeUInt16LE(64, 52); // e_ehsize
  h.writeUInt16LE(56, 54); // e_phentsize
  h.writeUInt16LE(1, 56); // e_phnum
  // program header
  h.writeUInt32LE(1, 64); // PT_LOAD
  h.writeUInt32LE(5, 68); // R+X
  h.writeBigUInt64LE(0n, 72); // p_offset
  h.writeBigUInt64LE(BigInt(BASE), 80); // p_vaddr
  h.writeBigUInt64LE(BigInt(BASE), 88); // p_paddr
  h.writeBigUInt64LE(BigInt(total), 96); // p_filesz
  h.writeBigUInt64LE(BigInt(total), 104); // p_memsz
  h.writeBigUInt64LE(0x1000n, 112); // p_align
  return Buffer.concat([h, body]);
}

/** A tar archive (ustar) of regular files, in memory. */
export function tarFiles(files: { name: string; data: Buffer; mode?: number }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, "utf8");
    h.write(`${(f.mode ?? 0o644).toString(8).padStart(7, "0")}\0`, 100, "ascii");
    h.write("0000000\0", 108, "ascii");
    h.write("0000000\0", 116, "ascii");
    h.write(`${f.data.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, "0")}\0`, 136, "ascii");
    h.write("        ", 148, "ascii");
    h.write("0", 156, "ascii");
    h.write("ustar\0", 257, "ascii");
    h.write("00", 263, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    parts.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The build context (Dockerfile + files) for the sandbox image on this machine. */
export function sandboxBuildContext(arch: string = os.arch(), busyboxPath?: string): Buffer {
  if (arch === "x64") {
    return tarFiles([
      { name: "Dockerfile", data: Buffer.from('FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n') },
      { name: "pause", data: pauseElfX64(), mode: 0o755 },
    ]);
  }
  const bb = busyboxPath ?? ["/bin/busybox", "/usr/bin/busybox"].find((p) => fs.existsSync(p));
  if (!bb) throw new Error(`cannot build ${SANDBOX_IMAGE} on ${arch}: no static busybox on this host (install busybox-static)`);
  return tarFiles([
    {
      name: "Dockerfile",
      data: Buffer.from(
        'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox","sh","-c","trap \\"exit 0\\" TERM INT; while :; do /bin/busybox sleep 3600 & wait; done"]\n',
      ),
    },
    { name: "busybox", data: fs.readFileSync(bb), mode: 0o755 },
  ]);
}

let building: Promise<void> | undefined;

/** Make sure `kctl/pause:1` exists on the engine, building it once if needed (never pulls). */
export function ensureSandboxImage(docker: Dockerode, logger: Logger): Promise<void> {
  building ??= (async () => {
    try {
      await docker.getImage(SANDBOX_IMAGE).inspect();
      return;
    } catch {
      // not there: build it
    }
    logger.info({ image: SANDBOX_IMAGE }, "building the pod sandbox image");
    const stream = await docker.buildImage(Readable.from([sandboxBuildContext()]), { t: SANDBOX_IMAGE, rm: true, forcerm: true });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed?.error));
        else resolve();
      });
    });
  })().catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}
