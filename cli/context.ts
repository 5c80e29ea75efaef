/**
 * The CliContext implementation: everything resolved lazily, on first use, so commands that never
 * talk to the server (help, config, version --client) never read the kubeconfig or open sockets.
 */
import type { Command } from "commander";
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import type { CliContext, GlobalOptions, Writer } from "./command.js";
import { contextNamespace, kubeconfigPathFor, resolveConfig, tildify } from "./config-resolve.js";

const NUMERIC_LEVELS = ["warn", "info", "info", "debug", "debug", "debug", "trace"];

/** Map `-v 4` (kubectl style) or `-v debug` to a pino level. */
export function logLevelFor(v: string | undefined): string {
  if (v === undefined) return "warn";
  if (/^\d+$/.test(v)) return NUMERIC_LEVELS[Math.min(Number(v), NUMERIC_LEVELS.length - 1)];
  return v;
}

/** A context whose settings come from `program.opts()` at the time they are first needed. */
export class LazyContext implements CliContext {
  private clientPromise?: Promise<ApiClient>;
  private clientInstance?: ApiClient;
  private loggerPromise?: Promise<Logger>;

  constructor(
    private readonly program: Command,
    readonly out: Writer = process.stdout,
    readonly err: Writer = process.stderr,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  globals(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  kubeconfigPath(): string {
    return kubeconfigPathFor(this.globals(), this.env);
  }

  /** Where the token came from, for the 401 message. */
  tokenSource(): string {
    return this.globals().token ? "the --token flag" : tildify(this.kubeconfigPath());
  }

  /** Where the server address came from, for the connection-refused hint. */
  serverSource(): string {
    return this.globals().server ? "the --server flag" : tildify(this.kubeconfigPath());
  }

  namespace(): string {
    const g = this.globals();
    return g.namespace || contextNamespace(g, this.env);
  }

  client(): Promise<ApiClient> {
    this.clientPromise ??= (async () => {
      const resolved = resolveConfig(this.globals(), this.env);
      const { ApiClient } = await import("../lib/client.js");
      this.clientInstance = new ApiClient(resolved.client);
      // The server's warnings (unknown fields under --validate=warn, deprecated versions), as kubectl prints them.
      this.clientInstance.onWarning = (w) => this.err.write(`Warning: ${w}\n`);
      return this.clientInstance;
    })();
    return this.clientPromise;
  }

  logger(): Promise<Logger> {
    this.loggerPromise ??= import("../lib/logger.js").then((m) => m.createLogger({ level: logLevelFor(this.globals().v) }));
    return this.loggerPromise;
  }

  /** Close keep-alive sockets so the process can exit. */
  dispose(): void {
    this.clientInstance?.close();
  }
}
