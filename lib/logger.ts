/**
 * Structured logging: one pino root, one child per component (`component` bound), and the object
 * key bound per reconcile (`logger.child({ key })`).
 *
 * Two formats, as k3s and the Kubernetes components offer: JSON lines (for machines: the default
 * whenever the output is not a terminal) and one human line per entry on a terminal:
 *
 *   [09:01:27.123] INFO: scheduler default/web-7d9c: bound pod {"node":"n1"}
 *   time           level component object         message   other fields
 *
 * The text format is pino-pretty used as a synchronous stream in this thread (not a worker
 * transport): a crashing process still prints its last lines, and there is no worker to start.
 */
import { isatty } from "node:tty";
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from "pino";
import pinoPretty from "pino-pretty";

export type { Logger } from "pino";

/** `text`: one human line per entry; `json`: one JSON object per line; `auto`: text on a terminal. */
export type LogFormat = "text" | "json" | "auto";

/** The formats a user may name (`--log-format`, KCTL_LOG_FORMAT). */
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json", "auto"];

/** The levels a user may name (`--log-level`, KCTL_LOG_LEVEL). */
export const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export interface LoggerOptions {
  /** trace|debug|info|warn|error|fatal|silent; default from KCTL_LOG_LEVEL, else "info" */
  level?: string;
  /** where to write; default stderr (fd 2) */
  destination?: number | string;
  /** default from KCTL_LOG_FORMAT, else "auto" (text when the destination is a terminal) */
  format?: LogFormat;
}

/** The root logger for a process. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.KCTL_LOG_LEVEL ?? "info";
  const dest = opts.destination ?? 2;
  const options: PinoOptions = {
    level,
    base: { pid: process.pid },
    // Never log credentials, whatever a caller passes in.
    redact: { paths: ["token", "*.token", "req.headers.authorization", "headers.authorization", "*.data", "*.stringData"], censor: "[redacted]" },
  };
  if (resolveFormat(opts.format, dest) === "text") return pino(options, textStream(dest));
  return pino(options, pino.destination({ dest, sync: false }));
}

/** `auto` resolved against the destination: text only for a terminal (a file or a pipe gets JSON). */
export function resolveFormat(format: LogFormat | undefined, dest: number | string): "text" | "json" {
  const f = format ?? envFormat() ?? "auto";
  if (f !== "auto") return f;
  return typeof dest === "number" && isatty(dest) ? "text" : "json";
}

function envFormat(): LogFormat | undefined {
  const v = process.env.KCTL_LOG_FORMAT;
  return v !== undefined && (LOG_FORMATS as readonly string[]).includes(v) ? (v as LogFormat) : undefined;
}

/** Fields that the human line shows in its fixed columns (and so not again among the others). */
const COLUMN_FIELDS = ["pid", "hostname", "err", "component", "controller", "subsystem", "informer", "key", "pod", "node"];

function textStream(dest: number | string): DestinationStream {
  const colorize = typeof dest === "number" && isatty(dest) && process.env.NO_COLOR === undefined;
  return pinoPretty({
    sync: true,
    destination: dest,
    colorize,
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: COLUMN_FIELDS.join(","),
    messageFormat: (log, messageKey) => {
      const who = [log.component, log.controller ?? log.subsystem ?? log.informer].filter((s) => typeof s === "string").join("/");
      const object = firstString(log.key, log.pod, log.node);
      const msg = String(log[messageKey] ?? "");
      const prefix = [who, object].filter(Boolean).join(" ");
      // An error is its message on the same line (its stack stays in the JSON format), so one
      // entry is always one line.
      const err = errorMessage(log.err);
      return (prefix ? `${prefix}: ${msg}` : msg) + (err ? `: ${err}` : "");
    },
  });
}

function errorMessage(err: unknown): string | undefined {
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && "message" in err) return String(err.message);
  return undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === "string" && v !== "");
}

/** A child logger for one component: `componentLogger(root, "scheduler")`. */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}

/** A logger that discards everything (tests that do not care about logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
