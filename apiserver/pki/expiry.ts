/** Certificate expiry: how long is left, and the warning `kctl server` logs 30 days ahead. */
import { certInfo } from "./cert-info.js";

/** Warn this many days before a certificate expires. */
export const EXPIRY_WARNING_DAYS = 30;

/** Whole days until `certPem` expires (negative when it already has). */
export function daysLeft(certPem: string, now: Date): number {
  return Math.floor((certInfo(certPem).notAfter.getTime() - now.getTime()) / 86_400_000);
}

/**
 * The warning to log for `certPem` at `now`, or undefined when it has more than
 * {@link EXPIRY_WARNING_DAYS} left.
 */
export function expiryWarning(what: string, certPem: string, now: Date): string | undefined {
  const left = daysLeft(certPem, now);
  if (left > EXPIRY_WARNING_DAYS) return undefined;
  const when = certInfo(certPem).notAfter.toISOString();
  return left < 0
    ? `the ${what} certificate expired on ${when}: run kctl server --rotate-certs`
    : `the ${what} certificate expires in ${left} days (${when}): run kctl server --rotate-certs`;
}
