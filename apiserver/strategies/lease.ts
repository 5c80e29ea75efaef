/** Leases (coordination.k8s.io/v1): the node heart-beat and, later, leader election. */
import { isRecord } from "../validation/field-errors.js";
import { leasePrinter } from "../../lib/printers/coordination.js";
import type { Strategy } from "./strategy.js";

export const leaseStrategy: Strategy = {
  nameRule: "subdomain",
  printer: leasePrinter,
  validate(obj, _old, errs): void {
    if (obj.spec === undefined) return;
    if (!isRecord(obj.spec)) return errs.add("spec", "must be an object");
    errs.int("spec.leaseDurationSeconds", obj.spec.leaseDurationSeconds, "int32", 1);
    errs.nonNegativeInt("spec.leaseTransitions", obj.spec.leaseTransitions, "int32");
    if (obj.spec.holderIdentity !== undefined && obj.spec.holderIdentity !== null && typeof obj.spec.holderIdentity !== "string") errs.add("spec.holderIdentity", "must be a string");
  },
};
