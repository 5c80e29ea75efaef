/**
 * Kubernetes' wire formats for time: `metav1.Time` is RFC 3339 in whole seconds
 * (`2026-12-04T01:13:23Z`); `metav1.MicroTime` (Lease renewTime, Event eventTime) has six digits.
 */

/** RFC 3339 in whole seconds, UTC (the fraction is cut, as Kubernetes serializes metav1.Time). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** RFC 3339 with microseconds, UTC (metav1.MicroTime); JS time has milliseconds, so the last three digits are 0. */
export function rfc3339Micro(d: Date): string {
  return d.toISOString().replace(/Z$/, "000Z");
}
