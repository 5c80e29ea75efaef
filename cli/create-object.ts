/**
 * The last step of every imperative command that makes an object (`create deployment|service|
 * configmap|secret|namespace`, `run`, `expose`): kubectl's `--dry-run` and `-o` handling.
 *
 *   generated object ──> --dry-run=client: print it (yaml|json|name) or `kind/name created (dry run)`
 *                    ──> --dry-run=server: POST ?dryRun=All, print the server's answer
 *                    ──> none:             POST, print `deployment.apps/web created` (or -o)
 */
import { displayType, groupVersion, resourceForKind } from "../lib/kinds.js";
import type { KObject } from "../lib/types.js";
import type { Command } from "commander";
import type { CliContext } from "./command.js";
import { guarded, UserError } from "./errors-output.js";

/** `--dry-run` and `-o` as commander hands them over. */
export interface CreateOutputFlags {
  dryRun?: string | boolean;
  output?: string;
}

export type DryRunMode = "none" | "client" | "server";
export type CreateOutput = "yaml" | "json" | "name" | undefined;

/** Parse `--dry-run[=none|client|server]` (a bare `--dry-run` is kubectl's deprecated `client`). */
export function parseDryRunFlag(v: string | boolean | undefined): DryRunMode {
  if (v === undefined || v === false || v === "none") return "none";
  if (v === true || v === "client") return "client";
  if (v === "server") return "server";
  throw new UserError(`Invalid dry-run value (${String(v)}). Must be "none", "server", or "client".`);
}

/** Parse `-o` for a create verb: yaml, json or name. */
export function parseCreateOutput(o: string | undefined): CreateOutput {
  if (o === undefined || o === "") return undefined;
  if (o === "yaml" || o === "json" || o === "name") return o;
  throw new UserError(`unable to match a printer suitable for the output format "${o}", allowed formats are: json,name,yaml`);
}

/**
 * Check the flags before anything is read or generated, so a bad `-o` or `--dry-run` value is
 * reported before a file is opened or the server is asked.
 */
export function checkCreateFlags(flags: CreateOutputFlags): { dryRun: DryRunMode; output: CreateOutput } {
  return { dryRun: parseDryRunFlag(flags.dryRun), output: parseCreateOutput(flags.output) };
}

/**
 * The namespace to write into a generated object's metadata: only an explicit `-n`, as kubectl
 * does (its generated YAML has no namespace otherwise, so it can be applied anywhere).
 */
export function explicitNamespace(ctx: CliContext): string | undefined {
  return ctx.globals().namespace || undefined;
}

/**
 * A generated object as kubectl prints it: Go serialises an unset creationTimestamp as
 * `creationTimestamp: null` in the object's and the pod template's metadata.
 */
export function asGenerated(obj: KObject): unknown {
  const copy = JSON.parse(JSON.stringify(obj)) as { metadata: Record<string, unknown>; spec?: { template?: { metadata?: Record<string, unknown> } } };
  copy.metadata = { ...copy.metadata, creationTimestamp: null };
  if (copy.spec?.template) copy.spec.template.metadata = { ...copy.spec.template.metadata, creationTimestamp: null };
  return copy;
}

async function print(ctx: CliContext, obj: unknown, output: Exclude<CreateOutput, undefined>, id: string): Promise<void> {
  if (output === "name") {
    ctx.out.write(`${id}\n`);
    return;
  }
  if (output === "json") {
    const { toJson } = await import("./printers/json.js");
    ctx.out.write(toJson(obj));
    return;
  }
  const { toYaml } = await import("./printers/yaml.js");
  ctx.out.write(toYaml(obj));
}

/**
 * Create (or dry-run) a generated object and report it the kubectl way. `verb` is the past
 * tense in the message: `created` for create/run, `exposed` for expose.
 */
export async function createOrPrint(ctx: CliContext, obj: KObject, flags: CreateOutputFlags, verb = "created"): Promise<void> {
  const { dryRun, output } = checkCreateFlags(flags);
  const r = resourceForKind(obj.kind);
  if (!r) throw new UserError(`the server doesn't have a resource type "${obj.kind}"`);
  const id = `${displayType(r)}/${obj.metadata.name ?? ""}`;
  if (dryRun === "client") {
    if (output) await print(ctx, asGenerated({ ...obj, apiVersion: groupVersion(r) }), output, id);
    else ctx.out.write(`${id} ${verb} (dry run)\n`);
    return;
  }
  const client = await ctx.client();
  const { collectionPath } = await import("../lib/kinds.js");
  const ns = r.namespaced ? obj.metadata.namespace ?? ctx.namespace() : undefined;
  // creationTimestamp: null is what kubectl prints for a generated object; the server sets it.
  const { creationTimestamp: _ts, ...metadata } = obj.metadata;
  const body = { ...obj, apiVersion: groupVersion(r), metadata };
  const created = await client.request<KObject>("POST", collectionPath(r, ns), { body, query: dryRun === "server" ? { dryRun: "All" } : undefined });
  if (output) await print(ctx, created, output, id);
  else ctx.out.write(`${id} ${verb}${dryRun === "server" ? " (server dry run)" : ""}\n`);
}

/**
 * The `--dry-run` and `-o` in effect for a command: its own, else its parents' (`create
 * deployment` reads those of `create`, which commander parses wherever they appear on the line).
 */
export function createFlagsOf(cmd: Command): CreateOutputFlags {
  const out: CreateOutputFlags = {};
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.opts<CreateOutputFlags>();
    out.dryRun ??= o.dryRun;
    out.output ??= o.output;
  }
  return out;
}

/** Add kubectl's `--dry-run` and `-o` flags to a create-like command (`run`, `expose`; `create` has them for all its verbs). */
export function withCreateOutputFlags(cmd: Command): Command {
  return cmd
    .option("--dry-run [mode]", "none|client|server: client prints the object and creates nothing; server asks the server to validate it (dryRun=All)")
    .option("-o, --output <format>", "yaml|json|name: print the object (with --dry-run=client: the generated object)");
}

/**
 * A commander action for a generating verb: check `--dry-run`/`-o` first, let `generate` build
 * the object from the command's arguments and options, then create or print it.
 */
export function generatingAction(ctx: CliContext, generate: (cmd: Command) => Promise<KObject>, verb = "created"): (...args: unknown[]) => Promise<void> {
  return guarded(async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const flags = createFlagsOf(cmd);
    checkCreateFlags(flags);
    await createOrPrint(ctx, await generate(cmd), flags, verb);
  });
}
