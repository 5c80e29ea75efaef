/**
 * kubectl's `NAME -- COMMAND ARGS...` split for `create deployment` and `run`. Commander hands
 * a command both the words before `--` and those after it as one list of operands; the raw
 * command line tells which is which, so a stray second NAME is refused as kubectl refuses it.
 */
import type { Command } from "commander";
import { UserError } from "./errors-output.js";

/** The root program's raw argv (commander keeps it on the program after parsing). */
function rawArgs(cmd: Command): string[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  return (root as Command & { rawArgs?: string[] }).rawArgs ?? process.argv;
}

/**
 * `extra`: the operands after NAME. Returns them as the command when the command line has `--`
 * and they all come after it; otherwise a UserError (`exactly one NAME is required, got N`).
 */
export function commandAfterDashes(cmd: Command, extra: readonly string[]): string[] {
  if (extra.length === 0) return [];
  const raw = rawArgs(cmd);
  const dash = raw.indexOf("--");
  const afterDash = dash >= 0 ? raw.length - dash - 1 : 0;
  if (afterDash < extra.length) throw new UserError(`exactly one NAME is required, got ${1 + extra.length - afterDash}`);
  return [...extra];
}
