/** The columns of claims, volumes and storage classes, as kubectl shows them. */
import { DEFAULT_CLASS_ANNOTATION, shortAccessModes } from "../storage.js";
import type { StorageClass } from "../types.js";
import { age, ageOf, col, name, rec, type Printer } from "./printer.js";

/** NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS AGE (wide: VOLUMEMODE). */
export const persistentVolumeClaimPrinter: Printer = {
  columns: [name, col("Status"), col("Volume"), col("Capacity"), col("Access Modes"), col("StorageClass"), age, col("VolumeMode", 1)],
  cells: (o, now) => {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const storage = rec(st.capacity).storage;
    return [
      o.metadata.name ?? "", String(st.phase ?? ""), String(spec.volumeName ?? ""), typeof storage === "string" ? storage : "",
      shortAccessModes(st.accessModes), String(spec.storageClassName ?? ""), ageOf(o, now), String(spec.volumeMode ?? ""),
    ];
  },
};

/** NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS REASON AGE. */
export const persistentVolumePrinter: Printer = {
  columns: [name, col("Capacity"), col("Access Modes"), col("Reclaim Policy"), col("Status"), col("Claim"), col("StorageClass"), col("Reason"), age, col("VolumeMode", 1)],
  cells: (o, now) => {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const ref = rec(spec.claimRef);
    const storage = rec(spec.capacity).storage;
    return [
      o.metadata.name ?? "", typeof storage === "string" ? storage : "", shortAccessModes(spec.accessModes), String(spec.persistentVolumeReclaimPolicy ?? ""),
      String(st.phase ?? ""), ref.name ? `${String(ref.namespace ?? "")}/${String(ref.name)}` : "", String(spec.storageClassName ?? ""), String(st.reason ?? ""),
      ageOf(o, now), String(spec.volumeMode ?? ""),
    ];
  },
};

/** The default class is marked in its name, as kubectl does. */
export const storageClassPrinter: Printer = {
  columns: [name, col("Provisioner"), col("ReclaimPolicy"), col("VolumeBindingMode"), col("AllowVolumeExpansion"), age],
  cells: (o, now) => {
    const sc = o as StorageClass;
    const isDefault = sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true";
    return [`${sc.metadata.name ?? ""}${isDefault ? " (default)" : ""}`, String(sc.provisioner ?? ""), String(sc.reclaimPolicy ?? ""), String(sc.volumeBindingMode ?? ""), String(sc.allowVolumeExpansion ?? false), ageOf(o, now)];
  },
};
