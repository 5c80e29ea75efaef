/**
 * kubectl diff's last step: the live and the merged objects as YAML files named
 * `group.version.Kind.namespace.name` in two temp dirs (LIVE-..., MERGED-...), compared by
 * `$KUBECTL_EXTERNAL_DIFF` (split on spaces: a program and its flags) or `diff -u -N`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Writer } from "../command.js";
import { UserError } from "../errors-output.js";

/** One object's two sides (undefined: absent on that side). */
export interface DiffPair {
  /** `apps.v1.Deployment.default.web` */
  fileName: string;
  live?: string;
  merged?: string;
}

/** The diff program and its arguments, as kubectl reads KUBECTL_EXTERNAL_DIFF. */
export function diffCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const external = env.KUBECTL_EXTERNAL_DIFF?.trim();
  if (!external) return ["diff", "-u", "-N"];
  const parts = external.split(/\s+/);
  // kubectl lets through only plain flags (letters, digits, '-', '=') after the program
  if (parts.slice(1).some((p) => !/^[-\w=]+$/.test(p))) throw new UserError(`arguments not allowed in KUBECTL_EXTERNAL_DIFF: ${external}`, 2);
  return parts;
}

/** Write both sides and run the diff program; its exit code (0 same, 1 different, >1 error). */
export async function runDiff(pairs: DiffPair[], out: Writer, err: Writer): Promise<number> {
  const root = await mkdtemp(path.join(os.tmpdir(), "kctl-diff-"));
  const live = path.join(root, "LIVE");
  const merged = path.join(root, "MERGED");
  try {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(live);
    await mkdir(merged);
    for (const p of pairs) {
      if (p.live !== undefined) await writeFile(path.join(live, p.fileName), p.live);
      if (p.merged !== undefined) await writeFile(path.join(merged, p.fileName), p.merged);
    }
    const [program, ...args] = diffCommand();
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(program, [...args, live, merged], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d: Buffer) => out.write(d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => err.write(d.toString("utf8")));
      child.on("error", (e) => reject(new UserError(`failed to run "${program}": ${e.message}`, 2)));
      child.on("close", (code) => resolve(code ?? 2));
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
