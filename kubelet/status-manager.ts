/**
 * The status manager: writes a pod's computed status through the API only when it differs from
 * what the API already holds (canonical JSON comparison), retrying 409 Conflicts by re-reading
 * the pod. It remembers the pod object each write returned, so a sync that runs before the
 * informer has seen that write builds on it instead of on the stale cached copy.
 */
import type { ApiClient } from "../lib/client.js";
import { isConflict, isNotFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { Pod, PodStatus } from "../lib/types.js";
import { canonical } from "./pod-status.js";

const OWN_CONDITIONS = new Set(["PodScheduled", "Initialized", "ContainersReady", "Ready"]);

/** Merge the kubelet's status into the stored one (foreign conditions and fields survive). */
export function mergeStatus(old: PodStatus | undefined, computed: PodStatus): PodStatus {
  const others = (old?.conditions ?? []).filter((c) => !OWN_CONDITIONS.has(c.type));
  const merged: PodStatus = { ...(old ?? {}), ...computed, conditions: [...(computed.conditions ?? []), ...others] };
  if (!computed.podIP) {
    delete merged.podIP;
    delete merged.podIPs;
  }
  return merged;
}

function rvNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return false;
}

/** Writes pod statuses on change. */
export class StatusManager {
  private readonly written = new Map<string, Pod>();

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {}

  /** The newer of the informer's copy and the copy our last write returned. */
  latest(pod: Pod): Pod {
    const w = this.written.get(pod.metadata.uid ?? "");
    return w && rvNewer(w.metadata.resourceVersion, pod.metadata.resourceVersion) ? w : pod;
  }

  /** Would writing `computed` change anything? */
  changed(pod: Pod, computed: PodStatus): boolean {
    return canonical(mergeStatus(pod.status, computed)) !== canonical(pod.status ?? {});
  }

  /**
   * Write the status if it changed. `recompute` rebuilds it from a re-read pod after a
   * conflict. Returns the pod as stored afterwards (undefined if the pod is gone).
   */
  async write(pod: Pod, computed: PodStatus, recompute: (fresh: Pod) => PodStatus): Promise<Pod | undefined> {
    let current = pod;
    let status = computed;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!this.changed(current, status)) return current;
      try {
        const updated = await this.client.updateStatus<Pod>({ ...current, status: mergeStatus(current.status, status) });
        this.written.set(updated.metadata.uid ?? "", updated);
        return updated;
      } catch (e) {
        if (isNotFound(e)) return undefined;
        if (!isConflict(e)) throw e;
        try {
          current = await this.client.get<Pod>("Pod", current.metadata.name ?? "", current.metadata.namespace);
        } catch (e2) {
          if (isNotFound(e2)) return undefined;
          throw e2;
        }
        if (current.metadata.uid !== pod.metadata.uid) return undefined;
        status = recompute(current);
        this.logger.debug({ pod: pod.metadata.name }, "status conflict; retrying on a fresh read");
      }
    }
    throw new Error(`could not write the status of pod ${pod.metadata.namespace}/${pod.metadata.name}: too many conflicts`);
  }

  /** Remember a pod object returned by another write (an annotation patch). */
  remember(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    const w = this.written.get(uid);
    if (!w || rvNewer(pod.metadata.resourceVersion, w.metadata.resourceVersion)) this.written.set(uid, pod);
  }

  /** Forget a pod (deleted). */
  forget(uid: string): void {
    this.written.delete(uid);
  }
}
