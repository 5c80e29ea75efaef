/**
 * The READY / STATUS / RESTARTS cells of `kubectl get pods`, computed as kubectl's printPod does:
 * init container progress, the last container's waiting/terminated reason (CrashLoopBackOff,
 * ImagePullBackOff, ContainerCreating, Completed, Error, ExitCode:N), Terminating, and
 * `5 (2m ago)` restarts.
 */
import type { ContainerStatus, Pod } from "./types.js";
import { since } from "./human-duration.js";

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function isRestartableInit(pod: Pod, name: string): boolean {
  const c = pod.spec?.initContainers?.find((i) => i.name === name) as { restartPolicy?: string } | undefined;
  return c?.restartPolicy === "Always";
}

function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function terminatedReason(t: { reason?: string; signal?: number; exitCode: number }, prefix: string): string {
  if (t.reason) return `${prefix}${t.reason}`;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}

/** Compute the pod's summary cells at time `now`. */
export function podSummary(pod: Pod, now: number = Date.now()): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let totalContainers = spec.containers?.length ?? 0;
  for (const ic of spec.initContainers ?? []) if (isRestartableInit(pod, ic.name)) totalContainers++;

  let reason: string = status.reason || status.phase || "Pending";
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  let initializing = false;
  let sidecarRestarts = 0;
  let sidecarLastRestart: string | undefined;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = laterOf(lastRestart, c.lastState?.terminated?.finishedAt);
    const sidecar = isRestartableInit(pod, c.name);
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      sidecarLastRestart = laterOf(sidecarLastRestart, c.lastState?.terminated?.finishedAt);
    }
    if (c.state?.terminated && c.state.terminated.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (c.state?.terminated) reason = terminatedReason(c.state.terminated, "Init:");
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${spec.initContainers?.length ?? initStatuses.length}`;
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    const cs: ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      restarts += c.restartCount ?? 0;
      lastRestart = laterOf(lastRestart, c.lastState?.terminated?.finishedAt);
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated) reason = terminatedReason(c.state.terminated, "");
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const ready = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }

  const terminal = status.phase === "Succeeded" || status.phase === "Failed";
  if (pod.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && !terminal) reason = "Terminating";

  const restartsText = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}
