/**
 * `kctl create -f FILE`: create objects; fails with AlreadyExists when one is present. The
 * sub-commands (`create deployment|service|configmap|secret|namespace`) generate the object as
 * kubectl does (create-workloads.ts, create-data.ts).
 */
import type { CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { parseObjectOutput } from "../print-object.js";
import { repeatable } from "../flags.js";
import { registerCreateData } from "./create-data.js";
import { registerCreateWorkloads } from "./create-workloads.js";

interface CreateFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: string | boolean;
  saveConfig?: boolean;
  output?: string;
  validate?: string | boolean;
}


export const command: CommandModule = {
  register(program, ctx) {
    const create = program
      .command("create")
      .description("Create objects from files, a directory or stdin (kctl create -f pod.yaml)")
      .option("-f, --filename <path>", "file, directory (.yaml/.yml/.json, sorted) or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--save-config", "store the configuration in the last-applied annotation so kctl apply works later")
      .option("--dry-run [mode]", "none|client|server: only show what would happen (client: print the generated object, create nothing)")
      .option("-o, --output <format>", "yaml|json|name: print the created objects (a List when several) or only kind/name")
      .option("--validate [mode]", "strict (true, the default): refuse unknown fields; warn: print them; ignore (false)")
      .action(
        guarded(async (o: CreateFlags) => {
          if (!o.filename?.length) throw new UserError("must specify one of -f and -k");
          const { runApply, parseDryRun, parseValidate } = await import("../apply/run.js");
          await runApply(ctx, {
            files: o.filename,
            recursive: o.recursive,
            validate: parseValidate(o.validate),
            mode: "create",
            saveConfig: o.saveConfig,
            dryRun: parseDryRun(o.dryRun),
            output: parseObjectOutput(o.output),
          });
        }),
      );
    // the generating sub-commands read create's own --dry-run and -o (create-object.ts createFlagsOf)
    registerCreateWorkloads(create, ctx);
    registerCreateData(create, ctx);
  },
};
