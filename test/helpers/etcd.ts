/**
 * A real etcd for tests: scripts/etcd.sh starts the local cluster when it is not running (CI has
 * started it already; the script is idempotent), and every test gets keys under its own prefix.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The local cluster's client endpoints (scripts/etcd.sh, 3 members). */
export const ETCD_ENDPOINTS = ["http://127.0.0.1:2379", "http://127.0.0.1:22379", "http://127.0.0.1:32379"];

/** Start the local etcd cluster unless it answers already. */
export function ensureEtcd(): void {
  execFileSync("bash", [path.join(ROOT, "scripts/etcd.sh")], { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
}

/** A key prefix no other test run uses. */
export function freshPrefix(): string {
  return `/kctl-test/${randomUUID()}`;
}
