/**
 * Rules shared by PersistentVolumes, PersistentVolumeClaims and StatefulSet claim templates:
 * access modes, volume mode and the storage request.
 */
import type { PersistentVolumeAccessMode } from "../../lib/types.js";
import { type FieldErrors, isRecord } from "../validation/field-errors.js";

const ACCESS_MODES: readonly PersistentVolumeAccessMode[] = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];

/** A required, non-empty list of known access modes; ReadWriteOncePod only alone. */
export function validateAccessModes(modes: unknown, path: string, errs: FieldErrors): void {
  if (modes === undefined || (Array.isArray(modes) && modes.length === 0)) return errs.add(path, "Required value: at least 1 access mode is required", "FieldValueRequired");
  if (!Array.isArray(modes)) return errs.add(path, "must be a list");
  modes.forEach((m, i) => errs.oneOf(`${path}[${i}]`, m, ACCESS_MODES));
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) errs.add(path, "may not use ReadWriteOncePod with other access modes", "FieldValueForbidden");
}

/** `volumeMode`: Filesystem (Block needs a raw device, which plain Docker hosts do not hand out). */
export function validateVolumeMode(v: unknown, path: string, errs: FieldErrors): void {
  errs.oneOf(path, v, ["Filesystem", "Block"]);
}

/** A claim's spec (a PVC's, or a StatefulSet claim template's) at `path`. */
export function validateClaimSpec(spec: unknown, path: string, errs: FieldErrors): void {
  if (!isRecord(spec)) return errs.required(path);
  validateAccessModes(spec.accessModes, `${path}.accessModes`, errs);
  const requests = isRecord(spec.resources) && isRecord(spec.resources.requests) ? spec.resources.requests : undefined;
  if (requests?.storage === undefined) errs.required(`${path}.resources[storage]`);
  else {
    const q = errs.quantity(`${path}.resources[storage]`, requests.storage);
    if (q !== undefined && q <= 0n) errs.add(`${path}.resources[storage]`, "must be greater than zero");
  }
  validateVolumeMode(spec.volumeMode, `${path}.volumeMode`, errs);
  if (spec.storageClassName !== undefined && typeof spec.storageClassName !== "string") errs.add(`${path}.storageClassName`, "must be a string");
}
