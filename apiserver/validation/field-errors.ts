/**
 * A small collector of field errors with typed helpers, so validators read as a list of rules.
 */
import type { FieldError } from "../../lib/errors.js";
import { parseQuantity } from "../../lib/quantity.js";

/** Kubernetes' integer types, by their Go names. */
export type IntType = "int32" | "int64";
const INT_MAX: Record<IntType, number> = { int32: 2_147_483_647, int64: Number.MAX_SAFE_INTEGER };
const INT_MIN: Record<IntType, number> = { int32: -2_147_483_648, int64: Number.MIN_SAFE_INTEGER };
/** The largest quantity kctl stores: what fits int64 in milli-units, as Kubernetes' MilliValue. */
const MAX_QUANTITY_MILLI = 2n ** 63n - 1n;

/** Collects `path: message` errors for one object. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string, type = "FieldValueInvalid"): void {
    this.list.push({ field, message, type });
  }

  required(field: string): void {
    this.add(field, "Required value", "FieldValueRequired");
  }

  /**
   * An integer of Kubernetes type `type` within [min, max], if present. A wrong type (a string
   * "3", a boolean, 1.5) or a value outside the type (2147483648 for int32, 1e308) is refused
   * with the field path, never stored. Returns the value when it passed.
   */
  int(field: string, v: unknown, type: IntType, min?: number, max?: number): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.add(field, `must be an integer (${type})`);
      return undefined;
    }
    const lo = Math.max(min ?? INT_MIN[type], INT_MIN[type]);
    const hi = Math.min(max ?? INT_MAX[type], INT_MAX[type]);
    if (v < lo) this.add(field, `must be greater than or equal to ${lo}`);
    else if (v > hi) this.add(field, `must be less than or equal to ${hi}`);
    else return v;
    return undefined;
  }

  /** A non-negative integer of `type` (int64 by default), if present. */
  nonNegativeInt(field: string, v: unknown, type: IntType = "int64"): number | undefined {
    return this.int(field, v, type, 0);
  }

  /** A resource quantity (`100m`, `1Gi`, 2), if present: parsed, non-negative, of sane size. Returns its milli-value. */
  quantity(field: string, v: unknown): bigint | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" && typeof v !== "number") {
      this.add(field, "must be a quantity (a string such as \"100m\" or \"1Gi\")");
      return undefined;
    }
    let milli: bigint;
    try {
      const q = parseQuantity(v);
      milli = q.nanos / 1_000_000n + (q.nanos % 1_000_000n > 0n ? 1n : 0n);
    } catch (e) {
      this.add(field, (e as Error).message);
      return undefined;
    }
    if (milli < 0n) this.add(field, "must be greater than or equal to 0");
    else if (milli > MAX_QUANTITY_MILLI) this.add(field, "must be less than 2^63 milli-units (9223372036854775807m)");
    else return milli;
    return undefined;
  }

  /** A map of resource name -> quantity (requests, limits, capacity), if present. Returns the milli-values of the valid ones. */
  resourceList(field: string, v: unknown): Map<string, bigint> {
    const out = new Map<string, bigint>();
    if (v === undefined || v === null) return out;
    if (!isRecord(v)) {
      this.add(field, "must be a map of resource names to quantities");
      return out;
    }
    for (const [name, q] of Object.entries(v)) {
      const m = this.quantity(`${field}[${name}]`, q);
      if (m !== undefined) out.set(name, m);
    }
    return out;
  }

  /** A string in `allowed`, if present (Kubernetes' "Unsupported value"). */
  oneOf(field: string, v: unknown, allowed: readonly string[]): void {
    if (v === undefined || v === null) return;
    if (typeof v !== "string" || !allowed.includes(v)) {
      this.add(field, `Unsupported value: ${JSON.stringify(v)}: supported values: ${allowed.map((a) => `"${a}"`).join(", ")}`, "FieldValueNotSupported");
    }
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
