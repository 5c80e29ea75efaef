/**
 * The FailedScheduling message: `0/3 nodes are available: 2 Insufficient memory, 1 node(s) were
 * unschedulable.` Reasons are counted over nodes and listed by count (highest first), then by
 * reason text.
 */

/** kube-scheduler's message when the cluster has no nodes at all. */
export const NO_NODES_MESSAGE = "no nodes available to schedule pods";

/** Counts how many nodes failed for each reason. */
export class Diagnosis {
  readonly counts = new Map<string, number>();

  add(reasons: readonly string[]): void {
    for (const r of reasons) this.counts.set(r, (this.counts.get(r) ?? 0) + 1);
  }
}

/** Format the message for a pod that fits on none of `numNodes` nodes. */
export function fitErrorMessage(numNodes: number, diagnosis: Diagnosis): string {
  if (numNodes === 0) return NO_NODES_MESSAGE;
  const parts = [...diagnosis.counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([reason, n]) => `${n} ${reason}`);
  return `0/${numNodes} nodes are available: ${parts.join(", ")}.`;
}
