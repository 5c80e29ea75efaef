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

/** The kubelet's `--pod-sandbox` help text (kctl server and kctl agent). */
export const POD_SANDBOX_HELP =
  "when-needed: a pod of one container (no init containers, no pod IP in its env) runs as that container alone, which holds the pod's network (one engine create and start less per pod; a restart re-creates its network); always: every pod gets a pause sandbox, as in Kubernetes (default: when-needed on the pod network, always with --pod-network none, where a restarted container could not get its pod IP back)";

/**
 * `--pod-sandbox`'s value; undefined when not given (the kubelet then chooses by its network).
 * @throws UserError for anything but always or when-needed
 */
export function parsePodSandbox(value: string | undefined): "always" | "when-needed" | undefined {
  if (value === undefined || value === "always" || value === "when-needed") return value;
  throw new UserError(`--pod-sandbox: "${value}" is not one of always, when-needed`);
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
