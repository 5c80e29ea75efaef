/**
 * The file `kctl edit` hands to the editor, as kubectl writes it: a header comment (plus the
 * last error, when a save failed), then the object as YAML or JSON. Lines starting with `#` are
 * comments and are dropped when the file is read back.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UserError } from "../errors-output.js";

const HEADER = [
  "Please edit the object below. Lines beginning with a '#' will be ignored,",
  "and an empty file will abort the edit. If an error occurs while saving this file will be",
  "reopened with the relevant failures.",
];

/** The file's text: header, the error of the previous save (if any), then the body. */
export function editFileText(body: string, error?: string): string {
  const lines = [...HEADER, ""];
  if (error) lines.push(...error.split("\n"), "");
  return `${lines.map((l) => (l ? `# ${l}` : "#")).join("\n")}\n${body}`;
}

/** The edited text without its comment lines (kubectl's stripping: lines starting with `#`). */
export function stripComments(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

/** A fresh temp file path for one edit session, kubectl-style (`kctl-edit-XXXX.yaml`). */
export async function newEditFile(ext: "yaml" | "json"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kctl-edit-"));
  return path.join(dir, `kctl-edit-${path.basename(dir).slice("kctl-edit-".length)}.${ext}`);
}

/** `$KUBE_EDITOR`, else `$EDITOR`, else vi (kubectl's order). */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBE_EDITOR?.trim() || env.EDITOR?.trim() || "vi";
}

/**
 * Write `text` to `file`, run the editor on it through the shell (so `EDITOR="code --wait"`
 * works), and return what was saved. The editor gets the terminal.
 */
export async function editInEditor(file: string, text: string, editor: string): Promise<string> {
  await writeFile(file, text, { mode: 0o600 });
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", `${editor} "$1"`, "sh", file], { stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (c) => resolve(c));
  });
  if (code !== 0) throw new UserError(`there was a problem with the editor "${editor}": exit status ${code ?? "signal"}`);
  return readFile(file, "utf8");
}
