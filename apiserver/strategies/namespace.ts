/** Namespaces: DNS-1123 label names, status.phase Active. Deletion is handled by the registry. */
import type { KObject } from "../../lib/types.js";
import type { Strategy } from "./strategy.js";

export const namespaceStrategy: Strategy = {
  nameRule: "label",
  prepareForCreate(obj: KObject): void {
    obj.status = { phase: "Active" };
  },
};
