/**
 * `kctl cp` through exec and tar, as kubectl does it:
 *
 *   LOCAL ──> tar (in memory) ──> exec `tar -xmf - -C DIR` (stdin)   into the pod
 *   pod: exec `tar cf - SRC` (stdout) ──> untar under LOCAL           out of the pod
 *
 * A destination that is a directory in the pod (`test -d`) receives the source under its own
 * name. Members that would land outside the local destination (`..`, absolute) are refused.
 */
import { Readable } from "node:stream";
import { mkdir, readdir, readFile, stat, writeFile, utimes } from "node:fs/promises";
import path from "node:path";
import type { ApiClient } from "../../lib/client.js";
import { UserError } from "../errors-output.js";
import { readTar, writeTar, type TarEntry } from "./tar.js";

/** A container in a pod. */
export interface PodRef {
  namespace: string;
  pod: string;
  container?: string;
}

/** What an exec in the pod printed, and how it ended. */
interface ExecResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function execIn(client: ApiClient, ref: PodRef, command: string[], stdin?: Buffer): Promise<ExecResult> {
  const { runRemoteCommand, exitCodeOf } = await import("../remote-command.js");
  const out: Buffer[] = [];
  let err = "";
  // stdin in 32 KiB messages: the kubelet caps one WebSocket message (and a big one stalls others)
  const chunks = function* (b: Buffer) {
    for (let i = 0; i < b.length; i += 32 * 1024) yield b.subarray(i, i + 32 * 1024);
  };
  const status = await runRemoteCommand(client, {
    kind: "exec",
    ...ref,
    command,
    stdin: stdin ? Readable.from(chunks(stdin)) : undefined,
    onStdout: (d) => out.push(Buffer.from(d)),
    onStderr: (d) => (err += d.toString("utf8")),
  });
  const code = exitCodeOf(status);
  if (code === undefined) throw new UserError(status?.message ?? `${command[0]} failed in the container`);
  return { code, stdout: Buffer.concat(out), stderr: err };
}

/** The container's complaint as one line (busybox's "removing leading '/'" notice is not one). */
function complaint(r: ExecResult): string {
  const lines = r.stderr.split("\n").filter((l) => l.trim() && !/removing leading '\/'/i.test(l));
  return lines[0] ?? `command terminated with exit code ${r.code}`;
}

async function collect(local: string, name: string, out: TarEntry[]): Promise<void> {
  const st = await stat(local);
  const mtime = st.mtimeMs / 1000;
  if (st.isDirectory()) {
    out.push({ name, type: "directory", mode: st.mode, mtime });
    for (const child of (await readdir(local)).sort()) await collect(path.join(local, child), `${name}/${child}`, out);
  } else if (st.isFile()) out.push({ name, type: "file", mode: st.mode, mtime, data: await readFile(local) });
}

/** Copy a local file or directory to `dest` in the pod. */
export async function copyToPod(client: ApiClient, local: string, ref: PodRef, dest: string): Promise<void> {
  try {
    await stat(local);
  } catch {
    throw new UserError(`${local} doesn't exist in local filesystem`);
  }
  let target = dest.endsWith("/") ? path.posix.join(dest, path.basename(local)) : dest;
  // into an existing directory: under the source's own name (kubectl's `test -d` check)
  if (!dest.endsWith("/") && (await execIn(client, ref, ["test", "-d", dest])).code === 0) target = path.posix.join(dest, path.basename(local));
  const entries: TarEntry[] = [];
  await collect(local, path.posix.basename(target), entries);
  const dir = path.posix.dirname(target);
  const r = await execIn(client, ref, ["tar", "-xmf", "-", "-C", dir], writeTar(entries));
  if (r.code !== 0) throw new UserError(complaint(r));
}

/** Where a member of `src`'s archive goes under `local` (undefined: outside `src`, or unsafe). */
function localPathOf(member: string, prefix: string, local: string): string | undefined {
  let rel: string;
  if (member === prefix) rel = "";
  else if (prefix === "" || member.startsWith(`${prefix}/`)) rel = prefix === "" ? member : member.slice(prefix.length + 1);
  else return undefined;
  const parts = rel.split("/").filter((p) => p && p !== ".");
  if (parts.includes("..")) return undefined;
  return path.join(local, ...parts);
}

/** Copy `src` (a file or directory in the pod) to `local`. Returns the warnings (skipped members). */
export async function copyFromPod(client: ApiClient, ref: PodRef, src: string, local: string): Promise<string[]> {
  const r = await execIn(client, ref, ["tar", "cf", "-", src]);
  if (r.code !== 0) throw new UserError(complaint(r));
  const entries = readTar(r.stdout);
  if (entries.length === 0) throw new UserError(`${src}: no files to copy`);
  // tar drops the leading "/" of member names
  const prefix = path.posix.normalize(src).replace(/^\/+/, "").replace(/\/+$/, "").replace(/^\.$/, "");
  let root = local;
  const single = entries.length === 1 && entries[0].type === "file";
  if (single) {
    const st = await stat(local).catch(() => undefined);
    if (st?.isDirectory()) root = path.join(local, path.posix.basename(entries[0].name));
  }
  const warnings: string[] = [];
  for (const e of entries) {
    const to = single ? root : localPathOf(e.name, prefix, root);
    if (!to) {
      warnings.push(`warning: skipping ${e.name}: it is outside ${src}`);
      continue;
    }
    if (e.type === "directory") await mkdir(to, { recursive: true });
    else {
      await mkdir(path.dirname(to), { recursive: true });
      await writeFile(to, e.data ?? Buffer.alloc(0), { mode: e.mode & 0o777 });
      if (e.mtime) await utimes(to, e.mtime, e.mtime).catch(() => undefined);
    }
  }
  return warnings;
}
