/** Server errors about one object, named the kubectl way: `deployment.apps/web: spec.replicas: must be greater than or equal to 0`. */
import { ConnectionError } from "../lib/client.js";
import { ApiError } from "../lib/errors.js";
import { displayType, type ResourceInfo } from "../lib/kinds.js";

/** Errors about the connection or credentials, not the object: rethrow them as they are. */
export function isGlobalError(e: unknown): boolean {
  return e instanceof ConnectionError || (e instanceof ApiError && e.code === 401);
}

/** `kind.group/name: message`, with the server's `Kind.group "name" is invalid: ` prefix stripped. */
export function objectErrorLine(r: ResourceInfo, name: string, e: unknown): string {
  const prefix = `${displayType(r)}/${name}`;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof ApiError && e.reason === "Invalid") return `${prefix}: ${msg.replace(/^[^"]*"[^"]*" is invalid: /, "")}`;
  return `${prefix}: ${msg}`;
}
