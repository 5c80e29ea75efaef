/** `kctl create namespace NAME`: the Namespace kubectl generates (empty spec and status). */
import type { Namespace } from "../../lib/types.js";

/** Build the Namespace. */
export function generateNamespace(name: string): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: {}, status: {} };
}
