/** `kctl create -f FILE`: create objects; fails with AlreadyExists when one is present. */
import type { CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { repeatable } from "../flags.js";

interface CreateFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: string | boolean;
  saveConfig?: boolean;
  output?: string;
}


export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("create")
      .description("Create objects from files, a directory or stdin (kctl create -f pod.yaml)")
      .option("-f, --filename <path>", "file, directory (.yaml/.yml/.json, sorted) or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--save-config", "store the configuration in the last-applied annotation so kctl apply works later")
      .option("--dry-run [mode]", "none|client|server: only show what would happen")
      .option("-o, --output <format>", "name: print only kind/name")
      .action(
        guarded(async (o: CreateFlags) => {
          if (!o.filename?.length) throw new UserError("must specify one of -f and -k");
          const { runApply, parseDryRun } = await import("../apply/run.js");
          await runApply(ctx, {
            files: o.filename,
            recursive: o.recursive,
            mode: "create",
            saveConfig: o.saveConfig,
            dryRun: parseDryRun(o.dryRun),
            outputName: o.output === "name",
          });
        }),
      );
  },
};
