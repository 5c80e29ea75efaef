/**
 * Finding the Docker container behind `namespace/pod/container` on this node, by the labels the
 * kubelet puts on every container it creates (kubelet/labels.ts).
 */
import type Dockerode from "dockerode";
import { ApiError } from "../../lib/errors.js";
import {
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_RESTART_COUNT,
  LABEL_ROLE,
} from "../labels.js";

/** What identifies one container of one pod on one node. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

/** A Docker container instance of a pod's container. */
export interface ContainerInstance {
  id: string;
  restartCount: number;
  /** Docker state: running, exited, created, ... */
  state: string;
  created: number;
}

/** Every Docker instance of the container on this node, newest first (restart count, then creation). */
export async function listInstances(docker: Dockerode, nodeName: string, ref: ContainerRef): Promise<ContainerInstance[]> {
  const list = await docker.listContainers({
    all: true,
    filters: {
      label: [
        `${LABEL_POD_NAMESPACE}=${ref.namespace}`,
        `${LABEL_POD_NAME}=${ref.pod}`,
        `${LABEL_CONTAINER_NAME}=${ref.container}`,
        `${LABEL_NODE}=${nodeName}`,
        `${LABEL_ROLE}=container`,
      ],
    },
  });
  return list
    .map((c) => ({
      id: c.Id,
      restartCount: Number(c.Labels?.[LABEL_RESTART_COUNT] ?? 0) || 0,
      state: c.State,
      created: c.Created,
    }))
    .sort((a, b) => b.restartCount - a.restartCount || b.created - a.created);
}

/**
 * The current instance (`previous` false) or the one before it (`previous` true): the highest
 * restart count below the current one's, else the most recent other exited instance. When the
 * newest instance has itself exited after restarts (a crash loop waiting for its next start, the
 * instance Kubernetes reports as lastState.terminated), that one is the previous instance.
 * Throws a 404/400 ApiError with a Kubernetes-like message when there is none.
 */
export async function findInstance(docker: Dockerode, nodeName: string, ref: ContainerRef, previous = false): Promise<ContainerInstance> {
  const all = await listInstances(docker, nodeName, ref);
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
