/** Commander helpers shared by the commands' flag definitions. */

/** A repeatable flag (`-f a -f b`): each use appends its value. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A repeatable flag whose values may also be comma-separated (`--tls-san a,b --tls-san c`). */
export function repeatableList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}
