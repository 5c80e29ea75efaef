/** ReplicaSets (apps/v1). */
import type { KObject } from "../../lib/types.js";
import { defaultWorkload, validateWorkload } from "./workload.js";
import { validateReplicaStatus } from "./status-rules.js";
import { age, ageOf, col, containersOf, name, num, rec, selectorString } from "../../lib/printers/printer.js";
import type { Strategy } from "./strategy.js";

export const replicaSetStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    columns: [name, col("Desired", 0, "integer"), col("Current", 0, "integer"), col("Ready", 0, "integer"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const st = rec(o.status);
      const c = containersOf(rec(rec(spec.template).spec));
      return [o.metadata.name ?? "", num(spec.replicas), num(st.replicas), num(st.readyReplicas), ageOf(o), c.names, c.images, selectorString(spec.selector)];
    },
  },
  validateStatus: validateReplicaStatus,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults: defaultWorkload,
  validate: validateWorkload,
};
