/**
 * Structured logging: one pino root, one child per component (`component` bound), and the object
 * key bound per reconcile (`logger.child({ key })`). JSON to stderr by default.
 */
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  /** trace|debug|info|warn|error|fatal|silent; default from KCTL_LOG_LEVEL, else "info" */
  level?: string;
  /** where to write; default stderr (fd 2) */
  destination?: number | string;
}

/** The root logger for a process. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.KCTL_LOG_LEVEL ?? "info";
  return pino(
    {
      level,
      base: { pid: process.pid },
      // Never log credentials, whatever a caller passes in.
      redact: { paths: ["token", "*.token", "req.headers.authorization", "headers.authorization", "*.data", "*.stringData"], censor: "[redacted]" },
    },
    pino.destination({ dest: opts.destination ?? 2, sync: false }),
  );
}

/** A child logger for one component: `componentLogger(root, "scheduler")`. */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}

/** A logger that discards everything (tests that do not care about logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
