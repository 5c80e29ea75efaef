/**
 * The pod-template hash that names a Deployment's ReplicaSets (`web-7d9f8c6b5`), as Kubernetes'
 * controller.ComputeHash: FNV-32a over the template (plus the collision count), printed in decimal
 * and each digit mapped through the "safe" alphabet with no vowels (so no words appear in names).
 * Kubernetes hashes Go's spew dump of the struct; we hash canonical JSON (keys sorted), which is as
 * stable but gives different strings.
 */
import type { PodTemplateSpec } from "./types.js";

/** UTF-8 bytes without Node's Buffer: the web view (ui/) uses these hashes too. */
const UTF8 = new TextEncoder();

/** Kubernetes' rand.SafeEncodeString alphabet. */
export const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The label that ties a ReplicaSet and its pods to one template of a Deployment. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** FNV-1a, 32 bit, over the UTF-8 bytes of `s`. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of UTF8.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Each character of `s` mapped to SAFE_ALPHABET[charCode % 27], as rand.SafeEncodeString. */
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted at every level, so equal objects always serialise the same. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const obj = v as Record<string, unknown>;
  // Absent, null and {} mean the same to the API; treat them alike so defaulting cannot change a hash.
  const keys = Object.keys(obj).filter((k) => !isEmptyValue(obj[k])).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0;
}

/** The template without the pod-template-hash label (what the hash and template equality look at). */
export function templateWithoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(t);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}

/** The template hash for a Deployment's template and its status.collisionCount. */
export function computeTemplateHash(template: PodTemplateSpec, collisionCount?: number): string {
  let text = canonicalJson(templateWithoutHash(template));
  // Kubernetes writes the collision count into the hasher after the template.
  if (collisionCount !== undefined && collisionCount > 0) text += String(collisionCount);
  return safeEncode(String(fnv32a(text)));
}

/** Whether two templates are equal apart from the pod-template-hash label (EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}
