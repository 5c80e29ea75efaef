/**
 * PersistentVolumeClaims (v1). A new claim gets the default StorageClass when it names none
 * (Kubernetes' DefaultStorageClass admission), the `kubernetes.io/pvc-protection` finalizer (held
 * while a pod uses it) and phase Pending. Its spec is immutable once created, except the size
 * request and the volume the binder fills in once.
 */
import { defaultClass, PVC_PROTECTION_FINALIZER } from "../../lib/storage.js";
import type { KObject, PersistentVolumeClaim, StorageClass } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { persistentVolumeClaimPrinter } from "../../lib/printers/storage.js";
import { validateClaimSpec } from "./storage-rules.js";
import type { Strategy } from "./strategy.js";

export const persistentVolumeClaimStrategy: Strategy = {
  nameRule: "subdomain",
  printer: persistentVolumeClaimPrinter,

  prepareForCreate(obj: KObject): void {
    obj.status = { phase: "Pending" };
    const f = (obj.metadata.finalizers ??= []);
    if (!f.includes(PVC_PROTECTION_FINALIZER)) f.push(PVC_PROTECTION_FINALIZER);
  },
  defaults(obj: KObject): void {
    if (isRecord(obj.spec)) (obj.spec as PersistentVolumeClaim["spec"]).volumeMode ??= "Filesystem";
  },
  validateStatus(obj, errs): void {
    const st = obj.status;
    if (st === undefined) return;
    if (!isRecord(st)) return errs.add("status", "must be an object");
    errs.oneOf("status.phase", st.phase, ["Pending", "Bound", "Lost"]);
    errs.resourceList("status.capacity", st.capacity);
  },
  validate(obj, old, errs): void {
    validateClaimSpec(obj.spec, "spec", errs);
    if (!old || !isRecord(obj.spec) || !isRecord(old.spec)) return;
    // Everything but the size request and a first volumeName is fixed at creation.
    const mutable = (s: Record<string, unknown>, volumeName: unknown) => JSON.stringify({ ...s, resources: undefined, volumeName });
    const oldName = old.spec.volumeName;
    const volumeName = oldName ? obj.spec.volumeName : oldName;
    if (mutable(obj.spec, volumeName) !== mutable(old.spec, oldName)) {
      errs.add("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims", "FieldValueForbidden");
    }
  },
  allocate(obj, old, ctx): void {
    if (old || !isRecord(obj.spec) || (obj.spec as PersistentVolumeClaim["spec"]).storageClassName !== undefined) return;
    const classes = ctx.store.list("storageclasses.storage.k8s.io").map((e) => e.object() as StorageClass);
    const def = defaultClass(classes);
    if (def?.metadata.name) (obj.spec as PersistentVolumeClaim["spec"]).storageClassName = def.metadata.name;
  },
};
