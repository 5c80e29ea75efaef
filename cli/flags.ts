/** Commander helpers shared by the commands' flag definitions. */
import { UserError } from "./errors-output.js";

/** A repeatable flag (`-f a -f b`): each use appends its value. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable flag whose values may also be comma-separated (`--tls-san a,b --tls-san c`). */
export function repeatableList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

/**
 * `key=value` items to a map; `flag` names the option in the error.
 * @throws UserError for an item that is not key=value
 */
export function parseKeyValues(items: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UserError(`${flag}: "${item}" is not key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
