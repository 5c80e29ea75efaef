/**
 * When is an applied object "ready", for `kctl apply --wait`: the same answers as `kctl rollout
 * status` for Deployments, StatefulSets and DaemonSets (kubectl's own status lines), Complete for
 * a Job, the Ready condition for a Pod, ready replicas for a ReplicaSet. Kinds with nothing to wait
 * for (Services, ConfigMaps, ...) are ready once applied. Pure functions of the object.
 */
import { daemonSetRolloutStatus } from "../../lib/daemonset-rollout.js";
import { rolloutStatus, statefulSetRolloutStatus } from "../../lib/rollout.js";
import type { DaemonSet, Deployment, Job, KObject, Pod, ReplicaSet, StatefulSet } from "../../lib/types.js";

/** Where one object stands: done, still waiting (with kubectl's line), or never going to be ready. */
export interface Readiness {
  done: boolean;
  message: string;
  /** set when waiting longer cannot help (a failed Job or Pod, an exceeded progress deadline) */
  error?: string;
}

/** The kinds `apply --wait` waits for; anything else is ready as soon as it is applied. */
export const WAITED_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"]);

/** Readiness of one object as read back from the server. */
export function readinessOf(obj: KObject): Readiness {
  switch (obj.kind) {
    case "Deployment":
      return fromRollout(rolloutStatus(obj as Deployment));
    case "StatefulSet": {
      const sts = obj as StatefulSet;
      // OnDelete has no rollout status; its pods being ready is what a user waits for.
      if ((sts.spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return replicasReady(sts.spec.replicas ?? 1, sts.status?.readyReplicas ?? 0);
      return fromRollout(statefulSetRolloutStatus(sts));
    }
    case "DaemonSet": {
      const ds = obj as DaemonSet;
      if ((ds.spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return replicasReady(ds.status?.desiredNumberScheduled ?? 0, ds.status?.numberReady ?? 0);
      return fromRollout(daemonSetRolloutStatus(ds));
    }
    case "ReplicaSet": {
      const rs = obj as ReplicaSet;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) return { done: false, message: "waiting for the spec update to be observed..." };
      return replicasReady(rs.spec.replicas ?? 1, rs.status?.readyReplicas ?? 0);
    }
    case "Job":
      return jobReadiness(obj as Job);
    case "Pod":
      return podReadiness(obj as Pod);
    default:
      return { done: true, message: "applied" };
  }
}

function fromRollout(s: { done: boolean; message: string; error?: string }): Readiness {
  return s.error ? { done: false, message: s.error, error: s.error } : { done: s.done, message: s.message };
}

function replicasReady(want: number, ready: number): Readiness {
  return ready >= want ? { done: true, message: `${ready}/${want} ready` } : { done: false, message: `${ready}/${want} ready, waiting...` };
}

function jobReadiness(job: Job): Readiness {
  const conds = job.status?.conditions ?? [];
  const failed = conds.find((c) => c.type === "Failed" && c.status === "True");
  if (failed) return { done: false, message: "failed", error: `failed: ${failed.reason ?? ""}${failed.message ? ` (${failed.message})` : ""}`.trim() };
  if (conds.some((c) => c.type === "Complete" && c.status === "True")) return { done: true, message: "complete" };
  const s = job.status ?? {};
  return { done: false, message: `${s.succeeded ?? 0}/${job.spec.completions ?? 1} succeeded, ${s.active ?? 0} active...` };
}

function podReadiness(pod: Pod): Readiness {
  const phase = pod.status?.phase ?? "Pending";
  if (phase === "Succeeded") return { done: true, message: "completed" };
  if (phase === "Failed") return { done: false, message: "failed", error: `failed${pod.status?.reason ? `: ${pod.status.reason}` : ""}` };
  if (pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return { done: true, message: "ready" };
  return { done: false, message: podTrouble(pod) ?? `${phase}, waiting to be ready...` };
}

/**
 * What keeps a pod from running, in the words `kubectl get pods` uses: an unschedulable pod, a
 * container waiting for a reason (ErrImagePull, CrashLoopBackOff, ContainerCreating), or undefined.
 */
export function podTrouble(pod: Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") return `Unschedulable: ${scheduled.message ?? ""}`.trim();
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const w = cs.state?.waiting;
    if (w?.reason) return `${w.reason}${w.message ? `: ${w.message}` : ""}`;
  }
  return undefined;
}

const IMAGE_WAITS = new Set(["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"]);

/**
 * What a rollout waits on when it is an image, for `rollout status`: a pull in progress (the
 * kubelet's `Pulling image "X" (45 MB / 120 MB)` waiting message) as `pulling image "X": 45 MB /
 * 120 MB`, or a pull failing as `pod NAME: ImagePullBackOff: ...`; undefined otherwise. Pods
 * being deleted do not count.
 */
export function imageHint(pods: readonly Pod[]): string | undefined {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const p of live) {
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = cs.state?.waiting;
      if (!w) continue;
      const pulling = /^Pulling image "(.*)" \((.*)\)$/.exec(w.message ?? "");
      if (pulling) return `pulling image "${pulling[1]}": ${pulling[2]}`;
      if (w.reason && IMAGE_WAITS.has(w.reason)) return `pod ${p.metadata.name}: ${w.reason}${w.message ? `: ${w.message}` : ""}`;
    }
  }
  return undefined;
}
