/** Pods: pod spec defaults and validation; status starts as Pending. */
import type { KObject, Pod, PodSpec } from "../../lib/types.js";
import type { DeleteOptions } from "../registry.js";
import { isRecord } from "../validation/field-errors.js";
import { defaultPodSpec, validatePodSpec } from "./pod-spec.js";
import { validatePodSpecUpdate } from "./pod-update.js";
import { validatePodStatus } from "./status-rules.js";
import { age, ageOf, col, name, rec } from "../../lib/printers/printer.js";
import { podSummary } from "../../lib/pod-summary.js";
import type { Strategy } from "./strategy.js";

export const podStrategy: Strategy = {
  nameRule: "subdomain",
  printer: {
    // Restarts is a string, as in Kubernetes' own printer: "5 (2m ago)".
    columns: [name, col("Ready"), col("Status"), col("Restarts"), age, col("IP", 1), col("Node", 1)],
    cells: (o) => {
      const spec = rec(o.spec);
      const st = rec(o.status);
      // The same cells as kctl's own printer (kubectl's printPod: Init:1/2, CrashLoopBackOff, ...).
      const s = podSummary(o as Pod);
      return [o.metadata.name ?? "", s.ready, s.status, s.restarts, ageOf(o), String(st.podIP ?? "<none>"), String(spec.nodeName ?? "<none>")];
    },
  },
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
