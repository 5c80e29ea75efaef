/**
 * PersistentVolumes (v1, cluster-scoped): a `hostPath` or `local` directory with a capacity,
 * access modes and a reclaim policy. New volumes start Pending (the binder makes them Available)
 * and carry `kubernetes.io/pv-protection`, so deleting a bound volume waits for its release.
 */
import { PV_PROTECTION_FINALIZER } from "../../lib/storage.js";
import type { KObject, PersistentVolume } from "../../lib/types.js";
import { isRecord } from "../validation/field-errors.js";
import { persistentVolumePrinter } from "../../lib/printers/storage.js";
import { validateAccessModes, validateVolumeMode } from "./storage-rules.js";
import type { Strategy } from "./strategy.js";

const PHASES = ["Pending", "Available", "Bound", "Released", "Failed"];

export const persistentVolumeStrategy: Strategy = {
  nameRule: "subdomain",
  printer: persistentVolumePrinter,

  prepareForCreate(obj: KObject): void {
    obj.status = { phase: "Pending" };
    const f = (obj.metadata.finalizers ??= []);
    if (!f.includes(PV_PROTECTION_FINALIZER)) f.push(PV_PROTECTION_FINALIZER);
  },
  defaults(obj: KObject): void {
    if (!isRecord(obj.spec)) return;
    const s = obj.spec as PersistentVolume["spec"];
    s.persistentVolumeReclaimPolicy ??= "Retain";
    s.volumeMode ??= "Filesystem";
  },
  validateStatus(obj, errs): void {
    const st = obj.status;
    if (st === undefined) return;
    if (!isRecord(st)) return errs.add("status", "must be an object");
    errs.oneOf("status.phase", st.phase, PHASES);
  },
  validate(obj, old, errs): void {
    const s = obj.spec;
    if (!isRecord(s)) return errs.required("spec");
    validateAccessModes(s.accessModes, "spec.accessModes", errs);
    const cap = isRecord(s.capacity) ? s.capacity : undefined;
    if (cap?.storage === undefined) errs.required("spec.capacity[storage]");
    else {
      const q = errs.quantity("spec.capacity[storage]", cap.storage);
      if (q !== undefined && q <= 0n) errs.add("spec.capacity[storage]", "must be greater than zero");
    }
    errs.oneOf("spec.persistentVolumeReclaimPolicy", s.persistentVolumeReclaimPolicy, ["Retain", "Delete", "Recycle"]);
    if (s.persistentVolumeReclaimPolicy === "Recycle") errs.add("spec.persistentVolumeReclaimPolicy", 'Unsupported value: "Recycle" is deprecated in Kubernetes and not served: use "Delete" or "Retain"', "FieldValueNotSupported");
    validateVolumeMode(s.volumeMode, "spec.volumeMode", errs);
    const sources = (["hostPath", "local"] as const).filter((k) => s[k] !== undefined);
    if (sources.length === 0) errs.add("spec", "must specify a volume type (hostPath or local)", "FieldValueRequired");
    if (sources.length > 1) errs.add(`spec.${sources[1]}`, "may not specify more than 1 volume type", "FieldValueForbidden");
    for (const k of sources) {
      const src = s[k];
      const p = isRecord(src) ? src.path : undefined;
      if (typeof p !== "string" || p === "") errs.required(`spec.${k}.path`);
      else if (!p.startsWith("/") || p.split("/").includes("..")) errs.add(`spec.${k}.path`, "must be an absolute path without '..'");
    }
    if (s.local !== undefined && !isRecord(s.nodeAffinity)) errs.required("spec.nodeAffinity");
    if (s.storageClassName !== undefined && typeof s.storageClassName !== "string") errs.add("spec.storageClassName", "must be a string");
    if (old && isRecord(old.spec)) {
      for (const k of ["hostPath", "local", "volumeMode"] as const) {
        if (JSON.stringify(old.spec[k]) !== JSON.stringify(s[k])) errs.add(`spec.${k}`, "field is immutable");
      }
      if (old.spec.nodeAffinity !== undefined && JSON.stringify(old.spec.nodeAffinity) !== JSON.stringify(s.nodeAffinity)) errs.add("spec.nodeAffinity", "field is immutable once set");
    }
  },
};
