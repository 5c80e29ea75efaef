/**
 * Status rules shared by kinds: the enums and numbers other components act on (the scheduler
 * counts node capacity, controllers read pod phases and conditions), so a wrong type or value is
 * refused here rather than trusted there.
 */
import type { KObject } from "../../lib/types.js";
import { FieldErrors, isRecord } from "../validation/field-errors.js";

const CONDITION_STATUSES = ["True", "False", "Unknown"];
const POD_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];

/** `status.conditions`: a list of objects with a type and a True/False/Unknown status. */
export function validateConditions(conditions: unknown, path: string, errs: FieldErrors): void {
  if (conditions === undefined || conditions === null) return;
  if (!Array.isArray(conditions)) return errs.add(path, "must be a list");
  conditions.forEach((c: unknown, i) => {
    if (!isRecord(c)) return errs.add(`${path}[${i}]`, "must be an object");
    if (typeof c.type !== "string" || c.type === "") errs.required(`${path}[${i}].type`);
    errs.oneOf(`${path}[${i}].status`, c.status, CONDITION_STATUSES);
  });
}

/** A pod's status: phase, conditions, restart counts. */
export function validatePodStatus(obj: KObject, errs: FieldErrors): void {
  const st = obj.status;
  if (st === undefined || st === null) return;
  if (!isRecord(st)) return errs.add("status", "must be an object");
  errs.oneOf("status.phase", st.phase, POD_PHASES);
  validateConditions(st.conditions, "status.conditions", errs);
  for (const list of ["containerStatuses", "initContainerStatuses"] as const) {
    const v = st[list];
    if (v === undefined) continue;
    if (!Array.isArray(v)) {
      errs.add(`status.${list}`, "must be a list");
      continue;
    }
    v.forEach((c: unknown, i) => {
      if (isRecord(c)) errs.nonNegativeInt(`status.${list}[${i}].restartCount`, c.restartCount, "int32");
    });
  }
}

/** A node's status: capacity and allocatable quantities, conditions. */
export function validateNodeStatus(obj: KObject, errs: FieldErrors): void {
  const st = obj.status;
  if (st === undefined || st === null) return;
  if (!isRecord(st)) return errs.add("status", "must be an object");
  errs.resourceList("status.capacity", st.capacity);
  errs.resourceList("status.allocatable", st.allocatable);
  validateConditions(st.conditions, "status.conditions", errs);
}

/** Replica counts of a workload's status. */
export function validateReplicaStatus(obj: KObject, errs: FieldErrors): void {
  const st = obj.status;
  if (st === undefined || st === null) return;
  if (!isRecord(st)) return errs.add("status", "must be an object");
  for (const k of ["replicas", "readyReplicas", "availableReplicas", "updatedReplicas", "unavailableReplicas", "fullyLabeledReplicas", "currentReplicas"]) {
    errs.nonNegativeInt(`status.${k}`, st[k], "int32");
  }
  errs.nonNegativeInt("status.observedGeneration", st.observedGeneration);
  validateConditions(st.conditions, "status.conditions", errs);
}
