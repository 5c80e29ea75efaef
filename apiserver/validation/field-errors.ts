/**
 * A small collector of field errors with typed helpers, so validators read as a list of rules.
 */
import type { FieldError } from "../../lib/errors.js";

/** Collects `path: message` errors for one object. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string, type = "FieldValueInvalid"): void {
    this.list.push({ field, message, type });
  }

  required(field: string): void {
    this.add(field, "Required value", "FieldValueRequired");
  }

  /** Require a non-negative integer if present. */
  nonNegativeInt(field: string, v: unknown): void {
    if (v === undefined || v === null) return;
    if (typeof v !== "number" || !Number.isInteger(v)) this.add(field, "must be an integer");
    else if (v < 0) this.add(field, "must be >= 0");
  }

  /** Require an integer port in [min, max] if present. */
  port(field: string, v: unknown, required: boolean, min = 1, max = 65535): void {
    if (v === undefined || v === null) {
      if (required) this.required(field);
      return;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.add(field, `must be between ${min} and ${max}, inclusive`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** Narrow to a plain JSON object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
