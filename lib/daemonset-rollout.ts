/** `rollout status` of a DaemonSet, with kubectl's DaemonSetStatusViewer lines. */
import type { DaemonSet } from "./types.js";
import type { RolloutStatus } from "./rollout.js";

/** Where a DaemonSet's rollout stands (kubectl's messages, word for word). */
export function daemonSetRolloutStatus(ds: DaemonSet): RolloutStatus {
  if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return { message: "", done: false, error: "rollout status is only available for RollingUpdate strategy type" };
  const s = ds.status;
  const name = ds.metadata.name ?? "";
  if (!s || (ds.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { message: "Waiting for daemon set spec update to be observed...", done: false };
  const desired = s.desiredNumberScheduled;
  const updated = s.updatedNumberScheduled ?? 0;
  if (updated < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, done: false };
  const available = s.numberAvailable ?? 0;
  if (available < desired) return { message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${updated} updated pods are available...`, done: false };
  return { message: `daemon set "${name}" successfully rolled out`, done: true };
}
