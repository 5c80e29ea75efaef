/**
 * kctl entry point: builds the commander program with the global flags, registers every command
 * from the static list in cli/commands/index.ts, and runs it.
 */
import { Command } from "commander";
import { COMMANDS } from "./commands/index.js";
import { LazyContext } from "./context.js";
import { configureFail, fail } from "./errors-output.js";
import type { Writer } from "./command.js";

/** Build the program (exported for tests). */
export function buildProgram(out: Writer = process.stdout, err: Writer = process.stderr): { program: Command; ctx: LazyContext } {
  const program = new Command("kctl");
  program
    .description("kctl controls a kctl (mini Kubernetes) cluster.")
    .option("--kubeconfig <file>", "path to the kubeconfig file (default: $KCTL_CONFIG or ~/.kctl/config)")
    .option("--context <name>", "the kubeconfig context to use")
    .option("-s, --server <url>", "the address of the API server")
    .option("--token <token>", "bearer token for the API server")
    .option("-n, --namespace <ns>", "the namespace scope for this request")
    .option("-v, --v <level>", "log level (0-10, or trace|debug|info|warn|error)")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ helpWidth: 160 })
    .configureOutput({
      writeOut: (s) => void out.write(s),
      writeErr: (s) => void err.write(s),
    });
  const ctx = new LazyContext(program, out, err);
  configureFail({ err, tokenSource: () => ctx.tokenSource(), serverSource: () => ctx.serverSource(), debug: () => Number(ctx.globals().v ?? 0) >= 6 });
  for (const m of COMMANDS) m.register(program, ctx);
  return { program, ctx };
}

async function main(): Promise<void> {
  const { program, ctx } = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    fail(e);
  } finally {
    ctx.dispose();
  }
}

await main();
