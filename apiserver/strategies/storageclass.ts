/**
 * StorageClasses (storage.k8s.io/v1, cluster-scoped). Defaults as Kubernetes: reclaimPolicy Delete,
 * volumeBindingMode Immediate. Provisioner, parameters, reclaim policy and binding mode cannot
 * change after creation. kubectl marks the default class in its name column.
 */
import type { KObject, StorageClass } from "../../lib/types.js";
import { storageClassPrinter } from "../../lib/printers/storage.js";
import type { Strategy } from "./strategy.js";

const IMMUTABLE = ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"] as const;

export const storageClassStrategy: Strategy = {
  nameRule: "subdomain",
  printer: storageClassPrinter,

  defaults(obj: KObject): void {
    const sc = obj as StorageClass;
    sc.reclaimPolicy ??= "Delete";
    sc.volumeBindingMode ??= "Immediate";
  },
  validate(obj, old, errs): void {
    const sc = obj as unknown as Record<string, unknown>;
    if (typeof sc.provisioner !== "string" || sc.provisioner === "") errs.required("provisioner");
    errs.oneOf("reclaimPolicy", sc.reclaimPolicy, ["Retain", "Delete"]);
    errs.oneOf("volumeBindingMode", sc.volumeBindingMode, ["Immediate", "WaitForFirstConsumer"]);
    if (old) {
      const was = old as unknown as Record<string, unknown>;
      for (const k of IMMUTABLE) if (JSON.stringify(was[k]) !== JSON.stringify(sc[k])) errs.add(k, "updates to " + k + " are forbidden.", "FieldValueForbidden");
    }
  },
};
