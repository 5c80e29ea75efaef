/** Pods: pod spec defaults and validation; status starts as Pending. */
import type { KObject, Pod, PodSpec } from "../../lib/types.js";
import type { DeleteOptions } from "../registry.js";
import { isRecord } from "../validation/field-errors.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import { validatePodSpecUpdate } from "./pod-update.js";
import { validatePodStatus } from "./status-rules.js";
import { podPrinter } from "../../lib/printers/pod.js";
import type { Strategy } from "./strategy.js";

export const podStrategy: Strategy = {
  nameRule: "subdomain",
  printer: podPrinter,
  validateStatus: validatePodStatus,
  deletionGraceSeconds: (obj, opts) => podGrace(obj as Pod, opts),
  deleteAnswersWithObject: true,
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

/** How long a pod deletion waits: 0 for unbound or finished pods (Kubernetes does the same). */
function podGrace(pod: Pod, opts: DeleteOptions): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return 0;
  const g = opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Math.floor(g));
}
