/**
 * `kctl diff -f FILE`, as kubectl: for every object, the live version against what applying the
 * file would make of it (the apply asked of the server as a dry run, so defaults, admission and
 * validation are the server's), shown by `diff -u -N` or `$KUBECTL_EXTERNAL_DIFF`.
 * Exit 0: no differences; 1: differences; >1: kctl or diff failed.
 */
import type { Command } from "commander";
import { groupVersion } from "../../lib/kinds.js";
import type { KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { errorMessage, guarded, UserError } from "../errors-output.js";
import { repeatable } from "../flags.js";

interface DiffFlags {
  filename?: string[];
  recursive?: boolean;
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
}

/** kubectl hides these: they change on every write, or are not the user's. */
function forDiff(obj: KObject): KObject {
  const { managedFields: _m, ...metadata } = obj.metadata as KObject["metadata"] & { managedFields?: unknown };
  const shown: KObject & { data?: unknown } = { ...obj, metadata };
  // Secret values are masked (kubectl masks them too): only which keys there are is shown
  const data = (obj as { data?: unknown }).data;
  if (obj.kind === "Secret" && data && typeof data === "object") {
    shown.data = Object.fromEntries(Object.keys(data).map((k) => [k, "***"]));
  }
  return shown;
}

async function run(ctx: CliContext, flags: DiffFlags): Promise<void> {
  if (!flags.filename?.length) throw new UserError("must specify one of -f and -k", 2);
  const { loadManifests } = await import("../manifest/load.js");
  const loaded = await loadManifests(ctx, flags.filename, { recursive: flags.recursive });
  if (loaded.errors.length) throw new UserError(loaded.errors.join("; "), 2);
  const client = await ctx.client();
  client.fieldValidation = "Strict";
  const { toYaml } = await import("../printers/yaml.js");
  const { planApply, perform, FIELD_MANAGERS } = await import("../apply/plan.js");
  const { runDiff } = await import("../diff/run-diff.js");
  const pairs = [];
  for (const v of loaded.objects) {
    const name = v.obj.metadata.name ?? "";
    const fileName = `${groupVersion(v.resource).replace("/", ".")}.${v.resource.kind}.${v.namespace ?? ""}.${name}`.replace("..", ".");
    let live: KObject | undefined;
    let merged: KObject | undefined;
    if (flags.serverSide) {
      live = await client.get<KObject>(v.resource.kind, name, v.namespace).catch(() => undefined);
      merged = await client.apply(v.obj, { fieldManager: flags.fieldManager ?? FIELD_MANAGERS.serverSide, force: flags.forceConflicts, dryRun: true, namespace: v.namespace });
    } else {
      const planned = await planApply(client, [v]);
      if (planned.errors.length) throw new UserError(planned.errors[0], 2);
      const p = planned.plan[0];
      if (p.action !== "create") live = await client.get<KObject>(v.resource.kind, name, v.namespace);
      merged = p.action === "unchanged" ? live : await perform(client, p, true, flags.fieldManager ?? FIELD_MANAGERS.apply);
    }
    pairs.push({ fileName, live: live && toYaml(forDiff(live)), merged: merged && toYaml(forDiff(merged)) });
  }
  const code = await runDiff(pairs, ctx.out, ctx.err);
  if (code > 1) throw new UserError(`exit status ${code}`, code);
  process.exitCode = code;
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("diff")
      .description("Show what applying a file would change (kctl diff -f web.yaml): exit 0 no change, 1 changes, >1 error")
      .option("-f, --filename <path>", "file, directory or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--server-side", "diff against a server-side apply")
      .option("--force-conflicts", "with --server-side: as if the conflicts were forced")
      .option("--field-manager <name>", "the field manager of the apply")
      .action(
        guarded(async (flags: DiffFlags) => {
          try {
            await run(ctx, flags);
          } catch (e) {
            // kubectl diff: every failure of its own is an exit code above 1 (1 means "differences")
            if (e instanceof UserError && e.exitCode > 1) throw e;
            throw new UserError(errorMessage(e), 2);
          }
        }),
      );
  },
};
