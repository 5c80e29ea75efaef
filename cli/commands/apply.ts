/** `kctl apply -f FILE|DIR|-`: create or update objects from manifests (client-side apply, three-way merge). */
import type { CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { repeatable } from "../flags.js";

interface ApplyFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: string | boolean;
  output?: string;
}


export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("apply")
      .description("Create or update objects from files, a directory or stdin (kctl apply -f web.yaml)")
      .option("-f, --filename <path>", "file, directory (.yaml/.yml/.json, sorted) or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--dry-run [mode]", "none|client|server: only show what would happen")
      .option("-o, --output <format>", "name: print only kind/name")
      .action(
        guarded(async (o: ApplyFlags) => {
          if (!o.filename?.length) throw new UserError("must specify one of -f and -k");
          const { runApply, parseDryRun } = await import("../apply/run.js");
          await runApply(ctx, { files: o.filename, recursive: o.recursive, mode: "apply", dryRun: parseDryRun(o.dryRun), outputName: o.output === "name" });
        }),
      );
  },
};
