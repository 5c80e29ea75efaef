/**
 * Name rules, as Kubernetes' apimachinery validation: DNS-1123 subdomains (most objects),
 * DNS-1123 labels (namespaces, container names) and DNS-1035 labels (services).
 */

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** At most 253 characters of lowercase alphanumerics, `-` and `.`, alphanumeric at both ends. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && SUBDOMAIN_RE.test(s);
}

/** At most 63 characters of lowercase alphanumerics and `-`, alphanumeric at both ends. */
export function isDns1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && LABEL_RE.test(s);
}

/** A DNS-1123 label that starts with a letter. */
export function isDns1035Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1035_RE.test(s);
}

/** Which rule a kind's object names follow. */
export type NameRule = "subdomain" | "label" | "dns1035";

/** `undefined` when valid, else the message for `metadata.name`. */
export function nameError(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case "label":
      return isDns1123Label(name) ? undefined : "must be a DNS-1123 label";
    case "dns1035":
      return isDns1035Label(name) ? undefined : "must be a DNS-1035 label";
    default:
      return isDns1123Subdomain(name) ? undefined : "must be a DNS-1123 subdomain";
  }
}
