/**
 * Finding the container behind `namespace/pod/container` on this node, in the runtime's list of
 * this node's containers (decoded from the labels the kubelet puts on each, kubelet/labels.ts).
 */
import { ApiError } from "../../lib/errors.js";
import type { ObservedContainer } from "../runtime/types.js";

/** What identifies one container of one pod on one node. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

/** One instance (a restart is a new instance) of a pod's container. */
export interface ContainerInstance {
  id: string;
  restartCount: number;
  /** the runtime's state: running, exited, created, ... */
  state: string;
  created: number;
}

/** Lists this node's containers (the kubelet passes the runtime's list, reusing its cache). */
export type ContainerLister = () => Promise<ObservedContainer[]>;

/** Every instance of the container on this node, newest first (restart count, then creation). */
export async function listInstances(list: ContainerLister, ref: ContainerRef): Promise<ContainerInstance[]> {
  return (await list())
    .filter((c) => c.role === "container" && c.podNamespace === ref.namespace && c.podName === ref.pod && c.containerName === ref.container)
    .map((c) => ({ id: c.id, restartCount: c.restartCount, state: c.state, created: c.createdAt }))
    .sort((a, b) => b.restartCount - a.restartCount || b.created - a.created);
}

/**
 * The current instance (`previous` false) or the one before it (`previous` true): the highest
 * restart count below the current one's, else the most recent other exited instance. When the
 * newest instance has itself exited after restarts (a crash loop waiting for its next start, the
 * instance Kubernetes reports as lastState.terminated), that one is the previous instance.
 * Throws a 404/400 ApiError with a Kubernetes-like message when there is none.
 */
export async function findInstance(list: ContainerLister, nodeName: string, ref: ContainerRef, previous = false): Promise<ContainerInstance> {
  const all = await listInstances(list, ref);
  const current = all[0];
  if (!current) {
    throw new ApiError("NotFound", `container "${ref.container}" in pod "${ref.pod}" not found on node "${nodeName}"`);
  }
  if (!previous) return current;
  const older = all.slice(1);
  const prev =
    older.find((c) => c.restartCount < current.restartCount && c.state !== "running") ??
    older.find((c) => c.state !== "running") ??
    (current.state === "exited" && current.restartCount > 0 ? current : undefined);
  if (!prev) {
    throw new ApiError("BadRequest", `previous terminated container "${ref.container}" in pod "${ref.pod}" not found`);
  }
  return prev;
}
