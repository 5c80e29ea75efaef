/**
 * vitest global setup: make sure the machine has what the tests need (a Docker engine, the local
 * test images, the local registry) by running scripts/test-deps.sh once per `vitest run`, so that
 * on a fresh machine `npm ci && npm test` is the whole story. When it cannot, one clear line and
 * the run stops (a thousand Docker failures would say less).
 *
 * KCTL_TEST_DEPS=skip leaves the machine alone (e.g. unit tests on a machine without Docker).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../scripts/test-deps.sh");

export default function setup(): void {
  if (process.env.KCTL_TEST_DEPS === "skip") return;
  const r = spawnSync("bash", [SCRIPT], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", timeout: 15 * 60_000 });
  if (r.status === 0) return;
  const why = r.error ? `could not run bash ${SCRIPT}: ${r.error.message}` : (r.stderr ?? "").trim() || `bash ${SCRIPT} exited ${r.status}`;
  process.stderr.write(`${why}\n`);
  // Exit rather than throw: a thrown error would bury the line under vitest's stack trace.
  process.exit(1);
}
