/**
 * `kctl apply -f FILE|DIR|-`: create or update objects from manifests: client-side apply (a
 * three-way merge against the last-applied annotation), or with `--server-side` the server's apply.
 */
import type { CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { parseObjectOutput } from "../print-object.js";
import { repeatable } from "../flags.js";

interface ApplyFlags {
  filename?: string[];
  recursive?: boolean;
  dryRun?: string | boolean;
  output?: string;
  validate?: string | boolean;
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
  wait?: boolean;
  timeout: string;
}


/** `--timeout` in ms: a Go-style duration (30s, 5m, 1h30m), as kubectl takes it. */
async function waitTimeout(text: string): Promise<number> {
  const { parseDuration } = await import("../../lib/duration.js");
  try {
    return parseDuration(text, "--timeout");
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("apply")
      .description("Create or update objects from files, a directory or stdin (kctl apply -f web.yaml)")
      .option("-f, --filename <path>", "file, directory (.yaml/.yml/.json, sorted) or - for stdin; repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("--dry-run [mode]", "none|client|server: only show what would happen")
      .option("-o, --output <format>", "yaml|json: print the resulting objects (a List when several); name: only kind/name")
      .option("--validate [mode]", "strict (true, the default): refuse unknown fields; warn: print them; ignore (false)")
      .option("--server-side", "apply on the server: it merges, records field owners and refuses conflicts")
      .option("--force-conflicts", "with --server-side: take over fields other managers own")
      .option("--field-manager <name>", "the manager owning the applied fields (default: kubectl's, kubectl-client-side-apply or kubectl)")
      .option("--wait", "then wait until the applied workloads are ready (rolled out, Ready, Complete), one live line each")
      .option("--timeout <duration>", "with --wait: give up after this long (exit 1, naming what is not ready)", "5m")
      .action(
        guarded(async (o: ApplyFlags) => {
          if (!o.filename?.length) throw new UserError("must specify one of -f and -k");
          if (o.forceConflicts && !o.serverSide) throw new UserError("--force-conflicts only works with --server-side");
          const { runApply, parseDryRun, parseValidate } = await import("../apply/run.js");
          const timeoutMs = o.wait ? await waitTimeout(o.timeout) : 0;
          const applied = await runApply(ctx, {
            files: o.filename,
            recursive: o.recursive,
            mode: "apply",
            dryRun: parseDryRun(o.dryRun),
            output: parseObjectOutput(o.output),
            validate: parseValidate(o.validate),
            serverSide: o.serverSide,
            forceConflicts: o.forceConflicts,
            fieldManager: o.fieldManager,
          });
          // Wait only when everything was written: after an error the exit code already says so.
          if (o.wait && applied.length && !process.exitCode) {
            const { waitForReady } = await import("../apply/wait-ready.js");
            await waitForReady(await ctx.client(), ctx.out, applied, timeoutMs);
          }
        }),
      );
  },
};
