/**
 * The command registration contract. Every `kctl` sub-command lives in its own file under
 * `cli/commands/`, exports `const command: CommandModule`, and is listed once in
 * `cli/commands/index.ts`. Heavy dependencies (apiserver, dockerode, fastify, ...) must be loaded
 * with a dynamic `import()` inside the command's action so `kctl get` stays fast.
 */
import type { Command } from "commander";
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";

/** Somewhere text goes: process.stdout / process.stderr, or a buffer in tests. */
export interface Writer {
  write(chunk: string): unknown;
}

/** The global flags, as parsed by commander (available once an action runs). */
export interface GlobalOptions {
  kubeconfig?: string;
  server?: string;
  token?: string;
  namespace?: string;
  /** log level: a pino level name or a kubectl-style number (0-10) */
  v?: string;
  context?: string;
}

/** What every command gets: lazily resolved configuration, the client and the writers. */
export interface CliContext {
  /** The API client (config: flags > KCTL_CONFIG > ~/.kctl/config). Created once, on first call. */
  client(): Promise<ApiClient>;
  /** The namespace to use: `-n` flag > the kubeconfig context's namespace > "default". */
  namespace(): string;
  /** The kubeconfig file in effect (may not exist). */
  kubeconfigPath(): string;
  /** The parsed global flags. */
  globals(): GlobalOptions;
  /** stdout */
  out: Writer;
  /** stderr */
  err: Writer;
  /** A pino logger at the `-v` level (loaded lazily: pino is not needed by most commands). */
  logger(): Promise<Logger>;
}

/** One `kctl` sub-command. */
export interface CommandModule {
  /** Add the command (and its sub-commands) to the program. */
  register(program: Command, ctx: CliContext): void;
}
