/** The client's own version, read from package.json (cached). */
import fs from "node:fs";

let cached: string | undefined;

/** e.g. `v0.1.0` */
export function clientVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    cached = `v${pkg.version ?? "0.0.0"}`;
  } catch {
    cached = "v0.0.0";
  }
  return cached;
}
