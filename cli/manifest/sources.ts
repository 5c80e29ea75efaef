/** Read `-f` arguments: files, directories (sorted, .yaml/.yml/.json) and `-` (stdin). */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors-output.js";

/** One input text with the name used in messages. */
export interface Source {
  name: string;
  text: string;
}

const EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function filesIn(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) out.push(...filesIn(p, true));
    } else if (EXTENSIONS.has(path.extname(entry.name).toLowerCase())) out.push(p);
  }
  return out;
}

/** Read every source named by `-f` (in order). */
export async function readSources(args: string[], opts: { recursive?: boolean; stdin?: NodeJS.ReadableStream } = {}): Promise<Source[]> {
  if (args.length === 0) throw new UserError("must specify one of -f and -k");
  const out: Source[] = [];
  for (const arg of args) {
    if (arg === "-") {
      out.push({ name: "<stdin>", text: await readStdin(opts.stdin ?? process.stdin) });
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(arg);
    } catch {
      throw new UserError(`the path "${arg}" does not exist`);
    }
    if (st.isDirectory()) {
      const files = filesIn(arg, !!opts.recursive);
      if (files.length === 0) throw new UserError(`error reading [${arg}]: recognized file extensions are [.json .yaml .yml]`);
      for (const f of files) out.push({ name: f, text: fs.readFileSync(f, "utf8") });
    } else out.push({ name: arg, text: fs.readFileSync(arg, "utf8") });
  }
  return out;
}
