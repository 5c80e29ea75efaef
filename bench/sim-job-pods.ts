/**
 * Stand-in for containers that exit 0 on simulated nodes: simulated nodes only mark pods Running
 * (they run nothing), so Job pods would never finish. This watches the pods of Jobs (label
 * `batch.kubernetes.io/job-name`) and, once one is Running, writes the status a kubelet writes
 * when its container exited 0: phase Succeeded, the container terminated with exit code 0.
 * Used by the Job scale test and bench; it writes only through the API, like a kubelet.
 */
import { LABEL_JOB_NAME } from "../lib/batch/job-labels.js";
import type { ApiClient, WatchHandle } from "../lib/client.js";
import { rfc3339 } from "../lib/timestamps.js";
import type { Pod } from "../lib/types.js";

export interface JobPodCompleter {
  /** pods marked Succeeded so far */
  completed(): number;
  stop(): void;
}

/** Start completing Running Job pods in `namespace`. */
export async function completeJobPods(client: ApiClient, namespace: string): Promise<JobPodCompleter> {
  const done = new Set<string>();
  const finish = async (first: Pod): Promise<void> => {
    const uid = first.metadata.uid ?? "";
    if (done.has(uid)) return;
    done.add(uid);
    let pod = first;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await write(pod)) return;
      // A conflict (the simulated node wrote in between): read it again and retry.
      try {
        pod = await client.get<Pod>("Pod", pod.metadata.name ?? "", namespace);
      } catch {
        return;
      }
    }
  };
  const write = async (pod: Pod): Promise<boolean> => {
    const now = rfc3339(new Date());
    try {
      await client.updateStatus<Pod>({
        ...pod,
        status: {
          ...pod.status,
          phase: "Succeeded",
          conditions: (pod.status?.conditions ?? []).map((c) => (c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False", reason: "PodCompleted", lastTransitionTime: now } : c)),
          containerStatuses: pod.spec.containers.map((c) => ({ name: c.name, image: c.image, imageID: "", ready: false, restartCount: 0, started: false, state: { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } } })),
        },
      });
      return true;
    } catch {
      return false;
    }
  };
  const list = await client.list<Pod>("Pod", { namespace, labelSelector: LABEL_JOB_NAME });
  const onPod = (pod: Pod) => {
    if (pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp) void finish(pod);
  };
  list.items.forEach(onPod);
  const watch: WatchHandle = client.watch<Pod>("Pod", { namespace, labelSelector: LABEL_JOB_NAME, resourceVersion: list.metadata.resourceVersion }, (ev) => {
    if (ev.type === "ADDED" || ev.type === "MODIFIED") onPod(ev.object);
  });
  watch.done.catch(() => undefined);
  return { completed: () => done.size, stop: () => watch.stop() };
}
