/** Pods: pod spec defaults and validation; status starts as Pending. */
import type { KObject, PodSpec } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import { validatePodSpecUpdate } from "./pod-update.js";
import { validatePodStatus } from "./status-rules.js";
import type { Strategy } from "./strategy.js";

export const podStrategy: Strategy = {
  nameRule: "subdomain",
  validateStatus: validatePodStatus,
  prepareForCreate(obj: KObject): void {
    // Kubernetes ignores client-supplied pod status on create.
    obj.status = { phase: "Pending" };
  },
  defaults(obj: KObject): void {
    if (isRecord(obj.spec)) defaultPodSpec(obj.spec as unknown as PodSpec);
  },
  validate(obj, old, errs): void {
    validatePodSpec(obj.spec, "spec", errs);
    if (old && isRecord(old.spec) && isRecord(obj.spec)) {
      // spec.nodeName is set once, by the binding subresource (or on create).
      const was = (old.spec as { nodeName?: string }).nodeName;
      const now = (obj.spec as { nodeName?: string }).nodeName;
      if (was && now !== was) errs.add("spec.nodeName", "field is immutable once set");
      validatePodSpecUpdate(old.spec, obj.spec, errs);
    }
  },
};
