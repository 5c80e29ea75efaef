/**
 * Completion index sets in Kubernetes' text form (`status.completedIndexes`: "0,2-4,7"), and the
 * index a pod of an Indexed Job carries.
 */
import { ANNOTATION_COMPLETION_INDEX } from "./job-labels.js";
import type { Pod } from "../types.js";

/** Parse "0,2-4,7" into a set of indexes (malformed parts are skipped, as Kubernetes does). */
export function parseIndexes(text: string | undefined, completions = Infinity): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to && i < completions; i++) out.add(i);
  }
  return out;
}

/** Format a set of indexes as "0,2-4,7" (ranges of 3 or more collapse, as Kubernetes does). */
export function formatIndexes(set: Iterable<number>): string {
  const xs = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    if (j - i >= 2) parts.push(`${xs[i]}-${xs[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(xs[k]));
    i = j + 1;
  }
  return parts.join(",");
}

/** The completion index of a pod of an Indexed Job, or undefined if it has none (or a bad one). */
export function podIndex(pod: Pod): number | undefined {
  const v = pod.metadata.annotations?.[ANNOTATION_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}
