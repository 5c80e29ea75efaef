/** Small helpers on API objects used across the registry. */
import { randomBytes } from "node:crypto";
import type { KObject } from "../lib/types.js";
import { rfc3339 } from "../lib/timestamps.js";

/** RFC 3339 with second precision, as Kubernetes serializes metav1.Time. */
export function nowTimestamp(offsetMs = 0): string {
  const sec = Math.floor((Date.now() + offsetMs) / 1000);
  // Every create stamps a timestamp: format each second once.
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastStamp = rfc3339(new Date(sec * 1000));
  }
  return lastStamp;
}
let lastSecond = -1;
let lastStamp = "";

/** A deep copy of a stored object, cheaply, from its JSON. */
export function cloneFromJson(json: string): KObject {
  return JSON.parse(json) as KObject;
}

// Kubernetes' generateName alphabet: no vowels (no accidental words), no confusable 0/1/3.
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `web-` -> `web-x7k2p` */
export function generateName(prefix: string): string {
  const bytes = randomBytes(5);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  // Kubernetes trims the prefix so the result stays within 63 characters.
  return `${prefix.slice(0, 58)}${s}`;
}
