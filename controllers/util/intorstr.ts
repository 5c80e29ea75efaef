/**
 * IntOrString resolution with Kubernetes' rounding (intstr.GetScaledValueFromIntOrPercent).
 */
import type { IntOrString } from "../../lib/types.js";

/**
 * Resolve `value` (a number, or a percentage like "25%") against `total`. Percentages round up
 * when `roundUp`, down otherwise. Throws on a malformed string.
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean, fallback: IntOrString): number {
  const v = value ?? fallback;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    if (/^\d+$/.test(v.trim())) return Number(v.trim());
    throw new Error(`invalid value for IntOrString: "${v}": must be an integer or a percentage`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
