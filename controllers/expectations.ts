/**
 * Controller expectations (Kubernetes' ControllerExpectations): after a controller asks the API to
 * create or delete N pods, it waits until its informer has *seen* those N changes before acting
 * on that key again. Without this, a slow watch makes the cache look short of pods and the
 * controller would create them twice.
 */

import { objectKey, type EventHandlers } from "../lib/informer.js";
import type { Pod } from "../lib/types.js";

/** Expectations expire so that a lost watch event cannot wedge a controller forever (as in Kubernetes). */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** keys (namespace/name) of pods whose deletion we are waiting to observe */
  deleting: Set<string>;
  timestamp: number;
}

/** Per-controller-key expectations of creations and deletions. */
export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** True when nothing is outstanding for `key` (or the record expired): safe to manage pods. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.now().getTime() - e.timestamp > EXPECTATIONS_TTL_MS;
  }

  /** Record that `adds` creations and the deletions of `deleteKeys` were just requested. */
  expect(key: string, adds: number, deleteKeys: readonly string[] = []): void {
    this.byKey.set(key, { add: adds, del: deleteKeys.length, deleting: new Set(deleteKeys), timestamp: this.now().getTime() });
  }

  /** The informer saw one pod created for `key`. */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** The informer saw `podKey` deleted (or marked for deletion) for `key`. Idempotent per pod. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.byKey.get(key);
    if (e && e.deleting.delete(podKey)) e.del--;
  }

  /** A creation request failed or was skipped: it will never be observed. */
  lowerCreations(key: string, n: number): void {
    const e = this.byKey.get(key);
    if (e) e.add -= n;
  }

  /** A deletion request failed: it will never be observed. */
  lowerDeletion(key: string, podKey: string): void {
    this.deletionObserved(key, podKey);
  }

  /** Forget `key` (its owner was deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** What is outstanding for `key` (for logs and tests). */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.byKey.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}

/**
 * The pod handlers of a controller that owns its pods outright (Job, DaemonSet): each event is
 * credited to the owner's expectations and the owner is queued. `ownerKey` is the owner's cache
 * key, or undefined for a pod it does not (or no longer) own. A pod added already deleting counts
 * as a deletion, as Kubernetes' addPod does.
 */
export function ownedPodHandlers(expectations: Expectations, ownerKey: (pod: Pod) => string | undefined, enqueue: (key: string) => void): EventHandlers<Pod> {
  return {
    onAdd: (pod) => {
      const key = ownerKey(pod);
      if (!key) return;
      if (pod.metadata.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
      else expectations.creationObserved(key);
      enqueue(key);
    },
    onUpdate: (old, pod) => {
      if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
      const key = ownerKey(pod);
      if (!key) return;
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key, objectKey(pod));
      enqueue(key);
    },
    onDelete: (pod) => {
      const key = ownerKey(pod);
      if (!key) return;
      expectations.deletionObserved(key, objectKey(pod));
      enqueue(key);
    },
  };
}
