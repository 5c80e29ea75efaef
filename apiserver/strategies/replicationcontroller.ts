/**
 * ReplicationControllers (core/v1), as Kubernetes still serves them: an equality selector (a plain
 * map) that defaults to the template's labels, the object's labels defaulting to them too,
 * replicas 1. Validated as a ReplicaSet with that selector, so the rules are the same ones.
 */
import { replicationControllerPrinter } from "../../lib/printers/apps.js";
import type { KObject, Labels } from "../../lib/types.js";
import { isRecord, type FieldErrors } from "../validation/field-errors.js";
import { validateReplicaStatus } from "./status-rules.js";
import type { Strategy } from "./strategy.js";
import { defaultWorkload, validateWorkload } from "./workload.js";

/** The ReplicaSet-shaped view of an RC (selector as matchLabels), for the shared workload rules. */
function asReplicaSetShape(obj: KObject): KObject {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const sel = spec.selector;
  return { ...obj, spec: { ...spec, selector: isRecord(sel) ? { matchLabels: sel } : sel } };
}

export const replicationControllerStrategy: Strategy = {
  nameRule: "subdomain",
  printer: replicationControllerPrinter,
  validateStatus: validateReplicaStatus,
  prepareForCreate(obj: KObject): void {
    delete obj.status;
  },
  defaults(obj: KObject): void {
    if (!isRecord(obj.spec)) return;
    const spec = obj.spec as { selector?: Labels; template?: { metadata?: { labels?: Labels } } };
    const tLabels = isRecord(spec.template) && isRecord(spec.template.metadata) && isRecord(spec.template.metadata.labels) ? spec.template.metadata.labels : undefined;
    if (tLabels && (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0)) spec.selector = { ...tLabels };
    if (tLabels && (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0)) obj.metadata.labels = { ...tLabels };
    defaultWorkload(obj);
  },
  validate(obj: KObject, old: KObject | undefined, errs: FieldErrors): void {
    validateWorkload(asReplicaSetShape(obj), undefined, errs);
    // Unlike apps/v1, a ReplicationController's selector may change (Kubernetes allows it).
    void old;
  },
};
