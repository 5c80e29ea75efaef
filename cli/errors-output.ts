/**
 * The one way a command reports failure: a single readable `error: ...` line on stderr and a
 * non-zero exit code. Never a stack trace for user errors.
 */
import { ApiError } from "../lib/errors.js";
import { ConnectionError } from "../lib/client.js";
import type { Writer } from "./command.js";

/**
 * An error whose message is already the user-facing line (usage, validation, config), with an
 * optional `hint`: the one thing to do about it, printed as a second line.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

interface FailState {
  err: Writer;
  /** how to tell the user where the token came from, e.g. the kubeconfig path */
  tokenSource: () => string;
  /** where the server address came from, e.g. the kubeconfig path or "the --server flag" */
  serverSource: () => string;
  debug: () => boolean;
}

const state: FailState = {
  err: process.stderr,
  tokenSource: () => "the kubeconfig",
  serverSource: () => "the kubeconfig",
  debug: () => false,
};

/** Wire `fail` to the CLI's stderr writer and token source (called once by cli/main.ts). */
export function configureFail(opts: Partial<FailState>): void {
  Object.assign(state, opts);
}

/** The one-line message for any error. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 401) return `not authorized: check the token in ${state.tokenSource()}`;
    return err.message;
  }
  if (err instanceof ConnectionError || err instanceof UserError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") return err.message;
    if (err.name === "YAMLParseError" || err.name === "SyntaxError") return err.message;
    return err.message || String(err);
  }
  return String(err);
}

/** The second line for an error the user can act on, if any. */
export function errorHint(err: unknown): string | undefined {
  if (err instanceof UserError) return err.hint;
  if (err instanceof ConnectionError && (err.code === "ECONNREFUSED" || err.code === "ENOTFOUND" || err.code === "ETIMEDOUT" || err.code === "EHOSTUNREACH")) {
    return `no API server answers there (address from ${state.serverSource()}): start one with \`kctl server\`, or point --server / --kubeconfig at a running one`;
  }
  return undefined;
}

/** Print `error: <one line>` (and `hint: <one line>` when there is one) to stderr and set a non-zero exit code. */
export function fail(err: unknown): void {
  const line = errorMessage(err).split("\n")[0];
  state.err.write(`error: ${line}\n`);
  const hint = errorHint(err);
  if (hint) state.err.write(`hint: ${hint}\n`);
  const isUserError = err instanceof ApiError || err instanceof ConnectionError || err instanceof UserError;
  if (!isUserError && state.debug() && err instanceof Error && err.stack) state.err.write(`${err.stack}\n`);
  process.exitCode = err instanceof UserError ? err.exitCode : 1;
}

/** Wrap a commander action so any thrown error goes through `fail`. */
export function guarded<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      fail(e);
    }
  };
}
