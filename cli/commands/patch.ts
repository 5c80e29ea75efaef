/**
 * `kctl patch TYPE NAME -p PATCH [--type strategic|merge|json] [--patch-file F]
 * [--subresource status|scale] [--dry-run=...] [-o ...]`, as kubectl: the patch is JSON or YAML,
 * sent as the chosen patch type (default strategic), and the answer is
 * `deployment.apps/web patched` or `... patched (no change)`.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { PatchType } from "../../lib/client.js";
import type { CliContext, CommandModule } from "../command.js";
import { parseDryRunFlag } from "../create-object.js";
import { guarded, UserError } from "../errors-output.js";
import { objectId, parseObjectArg } from "../object-arg.js";
import { parseObjectOutput, printObject } from "../print-object.js";

interface PatchFlags {
  patch?: string;
  patchFile?: string;
  type?: string;
  subresource?: string;
  dryRun?: string | boolean;
  output?: string;
  fieldManager?: string;
}

function patchType(t: string | undefined): PatchType {
  if (t === undefined || t === "strategic" || t === "merge" || t === "json") return t ?? "strategic";
  throw new UserError(`--type must be one of [json merge strategic], not "${t}"`);
}

function subresourceOf(s: string | undefined): "status" | "scale" | undefined {
  if (s === undefined || s === "status" || s === "scale") return s;
  throw new UserError(`invalid subresource value: "${s}". Must be one of [status scale]`);
}

/** The patch text as data: JSON or YAML, as kubectl accepts both. */
export async function parsePatchText(text: string): Promise<unknown> {
  const YAML = (await import("yaml")).default;
  try {
    const doc = YAML.parseDocument(text, { prettyErrors: false, logLevel: "error" });
    if (doc.errors.length) throw doc.errors[0];
    const value: unknown = doc.toJS();
    if (value === null || typeof value !== "object") throw new Error("the patch must be a JSON object (or, for --type json, a list of operations)");
    return value;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new UserError(`unable to parse "${text}": ${msg}`);
  }
}

async function run(ctx: CliContext, args: string[], flags: PatchFlags): Promise<void> {
  const type = patchType(flags.type);
  const subresource = subresourceOf(flags.subresource);
  const dryRun = parseDryRunFlag(flags.dryRun);
  const output = parseObjectOutput(flags.output);
  const target = parseObjectArg(args, "patch");
  if (flags.patch !== undefined && flags.patchFile !== undefined) throw new UserError("both patch and patch-file cannot be specified");
  let text = flags.patch;
  if (flags.patchFile !== undefined) text = await readFile(flags.patchFile, "utf8");
  if (text === undefined || text.trim() === "") throw new UserError("must specify --patch or --patch-file containing the contents of the patch");
  const patch = await parsePatchText(text);
  const client = await ctx.client();
  const { sendPatch } = await import("../patch/send.js");
  // --dry-run=client: kubectl applies the patch locally; kctl asks the server for a dry run,
  // which patches the same way and writes nothing.
  const result = await sendPatch(client, target, patch, {
    namespace: ctx.namespace(),
    type,
    subresource,
    dryRun: dryRun !== "none",
    fieldManager: flags.fieldManager ?? "kubectl-patch",
  });
  const id = objectId(target);
  if (output) return printObject(ctx.out, result.obj, target.resource, output, id);
  const suffix = dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
  ctx.out.write(`${id} patched${result.changed ? "" : " (no change)"}${suffix}\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("patch")
      .description("Update fields of an object with a strategic merge, JSON merge or JSON patch (kctl patch deploy web -p '{\"spec\":{\"replicas\":2}}')")
      .argument("<resource...>", "TYPE NAME or TYPE/NAME")
      .option("-p, --patch <patch>", "the patch, as JSON or YAML")
      .option("--patch-file <file>", "a file holding the patch")
      .option("--type <type>", "strategic (default), merge or json")
      .option("--subresource <name>", "patch the status or scale subresource")
      .option("--dry-run [mode]", "none|client|server: show the result without writing it")
      .option("-o, --output <format>", "yaml|json|name: print the patched object")
      .option("--field-manager <name>", "the manager recorded in managedFields", "kubectl-patch")
      .action(guarded((args: string[], flags: PatchFlags) => run(ctx, args, flags)));
  },
};
