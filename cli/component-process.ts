/**
 * What every long-running kctl command (server, agent, scheduler, controller-manager,
 * simulate-nodes) shares: a component logger at the right level and a wait for Ctrl-C.
 */
import type { Logger } from "../lib/logger.js";
import type { CliContext } from "./command.js";

/**
 * The logger for one component, with `component` bound (components bind only their own context,
 * such as the node name). Components log at info unless `-v` says otherwise (the CLI's default is
 * warn).
 */
export async function componentLogger(ctx: CliContext, component: string): Promise<Logger> {
  const { createLogger } = await import("../lib/logger.js");
  const { logLevelFor } = await import("./context.js");
  const v = ctx.globals().v;
  return createLogger({ level: v === undefined ? "info" : logLevelFor(v) }).child({ component });
}

/**
 * Resolve on the first SIGINT or SIGTERM, so the caller can shut down gracefully; a second
 * signal while it does exits at once (exit code 130), as users expect from a second Ctrl-C.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      const force = () => process.exit(130);
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
