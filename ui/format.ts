/** Small pure readings of objects for the cards (the same helpers as the CLI where lib/ has them). */
import { podRequests, totalAmounts } from "../lib/pod-resources.js";
import { milliValue, parseQuantityOr, value } from "../lib/quantity.js";
import type { Node, OwnerReference, Pod } from "../lib/types.js";

/** `web:v2` → `v2`; a digest → its first 12 hex digits; no tag → `latest`. */
export function imageTag(image: string | undefined): string {
  if (!image) return "";
  const at = image.indexOf("@");
  if (at >= 0) return image.slice(at + 1).replace(/^sha256:/, "").slice(0, 12);
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(colon + 1) : "latest";
}

/** The controller owner reference (the one with `controller: true`), else the first. */
export function ownerOf(meta: { ownerReferences?: OwnerReference[] }): OwnerReference | undefined {
  const refs = meta.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/** The pod's total container restarts. */
export function restartsOf(pod: Pod): number {
  let n = 0;
  for (const c of pod.status?.containerStatuses ?? []) n += c.restartCount ?? 0;
  return n;
}

/** Ready condition True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** The colour class of a card: ready, running (not ready), pending, failed, succeeded, terminating. */
export function podTone(pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return "terminating";
  const phase = pod.status?.phase ?? "Pending";
  if (phase === "Running") {
    const waiting = pod.status?.containerStatuses?.some((c) => c.state?.waiting);
    return isPodReady(pod) ? "ready" : waiting ? "failing" : "running";
  }
  return phase.toLowerCase();
}

/** The scheduler's reason a pod is not placed (PodScheduled=False's message). */
export function unscheduledReason(pod: Pod): string {
  const c = pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
  return c?.message || c?.reason || "waiting for the scheduler";
}

/** Ready / NotReady, plus SchedulingDisabled when cordoned (kubectl's STATUS column). */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const s = ready?.status === "True" ? "Ready" : "NotReady";
  return node.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}

export interface Allocation {
  cpuMilli: number;
  cpuCapMilli: number;
  memBytes: number;
  memCapBytes: number;
}

/** Requests per pod object (objects are replaced, never mutated, so the cache cannot go stale). */
const requestsOf = new WeakMap<Pod, ReturnType<typeof podRequests>>();
function cachedRequests(p: Pod): ReturnType<typeof podRequests> {
  let r = requestsOf.get(p);
  if (!r) requestsOf.set(p, (r = podRequests(p)));
  return r;
}

/** CPU and memory requested by the node's (non-terminated) pods, of its allocatable. */
export function allocation(node: Node | undefined, pods: readonly Pod[]): Allocation {
  const live = pods.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const total = totalAmounts(live.map(cachedRequests));
  const alloc = node?.status?.allocatable ?? node?.status?.capacity ?? {};
  return {
    cpuMilli: milliValue(total.get("cpu") ?? parseQuantityOr(undefined)),
    cpuCapMilli: milliValue(parseQuantityOr(alloc["cpu"])),
    memBytes: value(total.get("memory") ?? parseQuantityOr(undefined)),
    memCapBytes: value(parseQuantityOr(alloc["memory"])),
  };
}

/** `1500` → `1.5`, `250` → `250m` (CPU, as kubectl top prints). */
export function cpuText(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : milli >= 1000 ? (milli / 1000).toFixed(1) : `${milli}m`;
}

/** Bytes in Mi/Gi. */
export function memText(bytes: number): string {
  const gi = bytes / 2 ** 30;
  return gi >= 1 ? `${Math.round(gi * 10) / 10}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
}
