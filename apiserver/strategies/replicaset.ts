/** ReplicaSets (apps/v1). */
import type { KObject } from "../../lib/types.js";
import { defaultWorkload, validateWorkload } from "./workload.js";
import { validateReplicaStatus } from "./status-rules.js";
import { replicaSetPrinter } from "../../lib/printers/apps.js";
import type { Strategy } from "./strategy.js";

export const replicaSetStrategy: Strategy = {
  nameRule: "subdomain",
  printer: replicaSetPrinter,
  validateStatus: validateReplicaStatus,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults: defaultWorkload,
  validate: validateWorkload,
};
