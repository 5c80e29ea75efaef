/**
 * `kctl replace -f FILE [--force]`, as kubectl: each object in the file replaces the live one
 * (PUT; without a resourceVersion in the file the write is unconditional). `--force` deletes the
 * object, waits until it is gone and creates it again. Every document is loaded and checked
 * before the first write.
 */
import type { Command } from "commander";
import { collectionPath, displayType, objectPath } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { repeatable } from "../flags.js";
import { isGlobalError, objectErrorLine } from "../object-errors.js";

interface ReplaceFlags {
  filename?: string[];
  recursive?: boolean;
  force?: boolean;
  validate?: string | boolean;
  output?: string;
  dryRun?: string | boolean;
  gracePeriod?: string;
}

async function run(ctx: CliContext, flags: ReplaceFlags): Promise<void> {
  if (!flags.filename?.length) throw new UserError("must specify --filename to replace");
  const { parseDryRunFlag } = await import("../create-object.js");
  const dryRun = parseDryRunFlag(flags.dryRun);
  if (flags.force && dryRun !== "none") throw new UserError("--dry-run can not be used when --force is set");
  if (flags.output !== undefined && flags.output !== "name") throw new UserError(`unable to match a printer suitable for the output format "${flags.output}", allowed formats are: name`);
  const { loadManifests } = await import("../manifest/load.js");
  const { parseValidate } = await import("../apply/run.js");
  const loaded = await loadManifests(ctx, flags.filename, { recursive: flags.recursive });
  if (loaded.errors.length) {
    for (const e of loaded.errors) ctx.err.write(`error: ${e}\n`);
    process.exitCode = 1;
    return;
  }
  const client = await ctx.client();
  client.fieldValidation = parseValidate(flags.validate);
  const query = { fieldManager: "kubectl-replace", dryRun: dryRun !== "none" ? "All" : undefined };
  const suffix = dryRun === "server" ? " (server dry run)" : dryRun === "client" ? " (dry run)" : "";
  for (const v of loaded.objects) {
    const name = v.obj.metadata.name ?? "";
    const id = `${displayType(v.resource)}/${name}`;
    try {
      if (flags.force) {
        const { waitDeleted } = await import("../wait-deleted.js");
        const grace = flags.gracePeriod === undefined ? undefined : Number(flags.gracePeriod);
        const gone = await client.delete(v.resource.kind, name, { namespace: v.namespace, gracePeriodSeconds: grace !== undefined && grace >= 0 ? grace : undefined });
        ctx.out.write(`${displayType(v.resource)} "${name}" deleted\n`);
        await waitDeleted(client, v.resource, name, v.namespace, (gone as KObject).metadata?.uid, 60_000);
        const { resourceVersion: _rv, uid: _uid, ...metadata } = v.obj.metadata;
        await client.request<KObject>("POST", collectionPath(v.resource, v.namespace), { body: { ...v.obj, metadata }, query });
      } else if (dryRun !== "client") {
        await client.request<KObject>("PUT", objectPath(v.resource, v.namespace, name), { body: v.obj, query });
      } else {
        await client.get(v.resource.kind, name, v.namespace);
      }
    } catch (e) {
      if (isGlobalError(e)) throw e;
      ctx.err.write(`error: ${objectErrorLine(v.resource, name, e)}\n`);
      process.exitCode = 1;
      continue;
    }
    ctx.out.write(flags.output === "name" ? `${id}\n` : `${id} replaced${suffix}\n`);
  }
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("replace")
      .description("Replace objects by the ones in a file (kctl replace -f web.yaml; --force deletes and re-creates)")
      .option("-f, --filename <path>", "file, directory or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--force", "delete the object and create it again")
      .option("--grace-period <seconds>", "with --force: the deletion's grace period")
      .option("--validate [mode]", "strict (true, the default), warn or ignore (false)")
      .option("--dry-run [mode]", "none|client|server")
      .option("-o, --output <format>", "name: print only kind/name")
      .action(guarded((flags: ReplaceFlags) => run(ctx, flags)));
  },
};
