/**
 * The data of a ConfigMap or Secret from kubectl's sources, read in kubectl's order:
 * `--from-file=[key=]path` (a file, or every regular file of a directory), then
 * `--from-literal=key=value`, then `--from-env-file=path` (KEY=VALUE lines; a bare KEY takes
 * its value from the environment). Keys are checked as the API server checks them.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../errors-output.js";

export interface DataSourceFlags {
  fromFile: readonly string[];
  fromLiteral: readonly string[];
  fromEnvFile: readonly string[];
}

/** What the data is for: names the object in messages and picks the key rule. */
export interface DataTarget {
  kind: "ConfigMap" | "Secret";
  name: string;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const ENV_KEY = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function checkKey(key: string, t: DataTarget): void {
  if (key.length > 253 || !CONFIG_KEY.test(key)) {
    throw new UserError(
      `"${key}" is not a valid key name for a ${t.kind}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    );
  }
}

function add(out: Map<string, Buffer>, key: string, value: Buffer, t: DataTarget): void {
  checkKey(key, t);
  if (out.has(key)) throw new UserError(`cannot add key ${key}, another key by that name already exists in Data for ${t.kind} "${t.name}"`);
  out.set(key, value);
}

/** `path` or `key=path`: kubectl's ParseFileSource. */
function parseFileSource(source: string): { key?: string; file: string } {
  const eq = source.indexOf("=");
  if (eq < 0) return { file: source };
  if (eq === 0) throw new UserError(`key name for file path ${source.slice(1)} missing`);
  if (eq === source.length - 1) throw new UserError(`file path for key name ${source.slice(0, -1)} missing`);
  return { key: source.slice(0, eq), file: source.slice(eq + 1) };
}

function statOrFail(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new UserError(`error reading ${file}: ${why}`);
  }
}

function readOrFail(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`error reading ${file}: ${code === "EACCES" ? "permission denied" : (e as Error).message}`);
  }
}

function addFromFile(out: Map<string, Buffer>, source: string, t: DataTarget): void {
  const { key, file } = parseFileSource(source);
  const st = statOrFail(file);
  if (!st.isDirectory()) {
    add(out, key ?? path.basename(file), readOrFail(file), t);
    return;
  }
  if (key !== undefined) throw new UserError("cannot give a key name for a directory path");
  for (const entry of fs.readdirSync(file, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    // kubectl skips sub-directories and anything that is not a regular file, and file names that are not valid keys
    if (!entry.isFile() || !CONFIG_KEY.test(entry.name)) continue;
    add(out, entry.name, readOrFail(path.join(file, entry.name)), t);
  }
}

function addFromLiteral(out: Map<string, Buffer>, source: string, t: DataTarget): void {
  const eq = source.indexOf("=");
  if (eq < 0) throw new UserError(`invalid literal source ${source}, expected key=value`);
  add(out, source.slice(0, eq), Buffer.from(source.slice(eq + 1), "utf8"), t);
}

function addFromEnvFile(out: Map<string, Buffer>, file: string, t: DataTarget, env: NodeJS.ProcessEnv): void {
  const st = statOrFail(file);
  if (st.isDirectory()) throw new UserError(`env config file ${file} cannot be a directory`);
  const lines = readOrFail(file).toString("utf8").replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trimStart();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (!ENV_KEY.test(key)) throw new UserError(`"${key}" is not a valid key name (${file} line ${i + 1}): a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`);
    if (eq < 0) {
      // a bare KEY takes its value from kctl's own environment; kubectl skips it when unset
      const v = env[key];
      if (v !== undefined) add(out, key, Buffer.from(v, "utf8"), t);
      return;
    }
    add(out, key, Buffer.from(line.slice(eq + 1), "utf8"), t);
  });
}

/** Read every source into key -> bytes; throws a UserError (nothing is created) on any problem. */
export function readDataSources(flags: DataSourceFlags, t: DataTarget, env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  if (flags.fromEnvFile.length && (flags.fromFile.length || flags.fromLiteral.length)) {
    throw new UserError("from-env-file cannot be combined with from-file or from-literal");
  }
  const out = new Map<string, Buffer>();
  for (const s of flags.fromFile) addFromFile(out, s, t);
  for (const s of flags.fromLiteral) addFromLiteral(out, s, t);
  for (const s of flags.fromEnvFile) addFromEnvFile(out, s, t, env);
  return out;
}
