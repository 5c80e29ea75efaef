/**
 * `kctl set env deployment web KEY=VALUE OTHER-` (or `deploy/web`, `-e KEY=VALUE`,
 * `--from=configmap/NAME|secret/NAME [--prefix P] [--keys k1,k2]`, `-c CONTAINER`, `--list`):
 * kubectl's set env. Values replace in place, new variables are appended, `KEY-` removes.
 */
import type { Command } from "commander";
import type { ConfigMap, EnvVar, Secret } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { repeatable } from "../flags.js";
import { changeContainers, containerMatches, POD_SPEC_KINDS, readPodSpecObjects, updatePodSpecs } from "../set-pod-spec.js";
import { parseWorkloadArgs, splitResourcesAndUpdates } from "../workload-args.js";

interface SetEnvFlags {
  env?: string[];
  from?: string;
  prefix?: string;
  keys?: string;
  containers: string;
  list?: boolean;
  overwrite?: string | boolean;
}

/** The changes: variables to set (in order) and names to remove. */
export interface EnvChanges {
  set: EnvVar[];
  remove: string[];
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** kubectl's test for an env argument: `KEY=VALUE`, or `KEY-`. */
export function isEnvArg(a: string): boolean {
  return a.includes("=") || (a.endsWith("-") && a.length > 1);
}

/** Parse `KEY=VALUE` / `KEY-` items (`-` alone, reading stdin, is not supported). */
export function parseEnvArgs(items: readonly string[]): EnvChanges {
  const out: EnvChanges = { set: [], remove: [] };
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq < 0 && item.endsWith("-")) {
      out.remove.push(item.slice(0, -1));
      continue;
    }
    const name = eq < 0 ? item : item.slice(0, eq);
    if (eq <= 0 || !ENV_NAME.test(name)) throw new UserError(`invalid environment variable "${item}": use KEY=VALUE or KEY- (a name of letters, digits, '_', '-' or '.', not starting with a digit)`);
    out.set.push({ name, value: item.slice(eq + 1) });
  }
  return out;
}

/** A config map or secret key as an environment variable name: upper case, anything else becomes `_`. */
export function keyToEnvName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, "_").toUpperCase();
}

/** `--from=configmap/NAME` or `secret/NAME`: one variable per key (sorted), referencing it. */
export function envFromSource(obj: ConfigMap | Secret, prefix = "", keys?: readonly string[]): EnvVar[] {
  const name = obj.metadata.name ?? "";
  const all = obj.kind === "ConfigMap" ? [...Object.keys(obj.data ?? {}), ...Object.keys(obj.binaryData ?? {})] : Object.keys(obj.data ?? {});
  return all
    .filter((k) => !keys?.length || keys.includes(k))
    .sort()
    .map((key) => ({
      name: `${prefix}${keyToEnvName(key)}`,
      valueFrom: obj.kind === "ConfigMap" ? { configMapKeyRef: { name, key } } : { secretKeyRef: { name, key } },
    }));
}

/** Apply the changes to one container's env; undefined when nothing changes. */
export function updateEnv(current: readonly EnvVar[] | undefined, changes: EnvChanges, overwrite: boolean): EnvVar[] | undefined {
  let env = (current ?? []).filter((e) => !changes.remove.includes(e.name));
  for (const v of changes.set) {
    const i = env.findIndex((e) => e.name === v.name);
    if (i < 0) {
      env = [...env, v];
      continue;
    }
    if (!overwrite && JSON.stringify(env[i]) !== JSON.stringify(v)) throw new UserError(`'${v.name}' already has a value (${env[i].value ?? ""}), and --overwrite is false`);
    env = env.map((e, j) => (j === i ? v : e));
  }
  return JSON.stringify(env) === JSON.stringify(current ?? []) ? undefined : env;
}

/** The `--list` lines of one container, as kubectl prints them. */
export function listEnv(kind: string, objName: string, container: { name: string; env?: EnvVar[] }): string {
  const lines = [`# ${kind} ${objName}, container ${container.name}`];
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    if (!from) lines.push(`${e.name}=${e.value ?? ""}`);
    else if (from.configMapKeyRef) lines.push(`# ${e.name} from configmap ${from.configMapKeyRef.name}, key ${from.configMapKeyRef.key}`);
    else if (from.secretKeyRef) lines.push(`# ${e.name} from secret ${from.secretKeyRef.name}, key ${from.secretKeyRef.key}`);
    else if (from.fieldRef) lines.push(`# ${e.name} from field path ${from.fieldRef.fieldPath}`);
  }
  return `${lines.join("\n")}\n`;
}

function parseOverwrite(v: string | boolean | undefined): boolean {
  if (v === undefined || v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  throw new UserError(`invalid argument "${String(v)}" for "--overwrite" flag: use true or false`);
}

async function run(ctx: CliContext, args: string[], f: SetEnvFlags): Promise<void> {
  const { resources, updates } = splitResourcesAndUpdates(args, isEnvArg);
  const targets = parseWorkloadArgs(resources, POD_SPEC_KINDS, "set the environment of");
  const overwrite = parseOverwrite(f.overwrite);
  if (f.list) {
    for (const o of await readPodSpecObjects(ctx, targets)) {
      for (const c of o.podSpec.containers.filter((c) => containerMatches(f.containers, c.name))) ctx.out.write(listEnv(o.obj.kind, o.target.name, c));
    }
    return;
  }
  const changes = parseEnvArgs([...(f.env ?? []), ...updates]);
  if (f.from) {
    const slash = f.from.indexOf("/");
    const type = slash > 0 ? f.from.slice(0, slash).toLowerCase() : "";
    const kind = ["configmap", "configmaps", "cm"].includes(type) ? "ConfigMap" : ["secret", "secrets"].includes(type) ? "Secret" : undefined;
    if (!kind) throw new UserError(`--from must be configmap/NAME or secret/NAME, got "${f.from}"`);
    const client = await ctx.client();
    const source = await client.get<ConfigMap | Secret>(kind, f.from.slice(slash + 1), ctx.namespace());
    const keys = f.keys ? f.keys.split(",").filter(Boolean) : undefined;
    changes.set = [...changes.set, ...envFromSource(source, f.prefix, keys)];
  }
  if (changes.set.length === 0 && changes.remove.length === 0) throw new UserError("at least one environment variable must be provided");
  const change = changeContainers(f.containers, (c) => {
    const env = updateEnv(c.env, changes, overwrite);
    if (!env) return undefined;
    const { env: _old, ...rest } = c;
    return env.length ? { ...rest, env } : rest;
  });
  await updatePodSpecs(ctx, targets, change, "env updated");
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const set = program.commands.find((c) => c.name() === "set") ?? program.command("set").description("Set specific features on objects");
    set
      .command("env")
      .description("Update environment variables of pod templates (kctl set env deployment web MODE=fast OLD-; --from=configmap/NAME)")
      .argument("<args...>", "TYPE NAME... or TYPE/NAME..., then KEY=VALUE and KEY- changes")
      .option("-e, --env <KEY=VALUE>", "a variable to set; repeatable", repeatable)
      .option("--from <source>", "configmap/NAME or secret/NAME: a variable referencing each of its keys")
      .option("--prefix <prefix>", "prefix for the variables made by --from")
      .option("--keys <k1,k2>", "only these keys of --from")
      .option("-c, --containers <pattern>", "only the containers whose name matches this glob", "*")
      .option("--list", "print the variables instead of changing them")
      .option("--overwrite [bool]", "allow changing a variable that already has a value (default true)")
      .action(guarded((args: string[], f: SetEnvFlags) => run(ctx, args, f)));
  },
};
