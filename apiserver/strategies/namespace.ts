/**
 * Namespaces: DNS-1123 label names, status.phase Active. Deleting one deletes everything inside
 * (the registry's generic `containsNamespacedObjects` deletion); it stays Terminating until the
 * last object kept by a finalizer is gone. default, kube-system and kube-public are never deleted.
 */
import type { KObject } from "../../lib/types.js";
import { namespacePrinter } from "../../lib/printers/cluster.js";
import type { Strategy } from "./strategy.js";

const UNDELETABLE = new Set(["default", "kube-system", "kube-public"]);

export const namespaceStrategy: Strategy = {
  nameRule: "label",
  printer: namespacePrinter,
  prepareForCreate(obj: KObject): void {
    obj.status = { phase: "Active" };
  },
  containsNamespacedObjects: true,
  readyToRemove: (obj, ctx) => ctx.namespaceEmpty(obj.metadata.name ?? ""),
  undeletable: (name) => (UNDELETABLE.has(name) ? "this namespace may not be deleted" : undefined),
};
