/** The `kubectl.kubernetes.io/last-applied-configuration` annotation: build and read it. */
import type { KObject } from "../../lib/types.js";
import { isObject, stableStringify, type Json } from "./merge.js";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The object as the user wrote it, without the annotation itself. */
function withoutAnnotation(obj: KObject): KObject {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const metadata = { ...obj.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete (metadata as { annotations?: unknown }).annotations;
  return { ...obj, metadata };
}

/**
 * The object to apply: the user's object plus the annotation holding its own (stable) JSON,
 * exactly as kubectl's GetModifiedConfiguration.
 */
export function withLastApplied(obj: KObject): KObject {
  const clean = withoutAnnotation(obj);
  const text = `${stableStringify(clean)}\n`;
  return { ...clean, metadata: { ...clean.metadata, annotations: { ...(clean.metadata.annotations ?? {}), [LAST_APPLIED]: text } } };
}

/** The previously applied configuration from a live object, or undefined when absent/unreadable. */
export function readLastApplied(live: KObject): Json | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Json;
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
