/**
 * computePodStatus: the pure function from (pod, observed containers, waiting reasons, probe
 * results) to a PodStatus, following the kubelet's rules for phase, conditions and
 * containerStatuses. Conditions keep their lastTransitionTime unless their status changes.
 */
import type { ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from "../lib/types.js";
import type { ObservedContainer } from "./runtime/types.js";

/** Why a container is not running (set by the plan or by a failed start). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** Probe results for running containers, by container ID. */
export interface ProbeView {
  /** readiness: true/false once probed; undefined while unknown */
  ready(id: string): boolean | undefined;
  /** startup: true once the startup probe succeeded (or there is none) */
  started(id: string): boolean;
}

/** Everything computePodStatus reads. */
export interface StatusInput {
  pod: Pod;
  observed: readonly ObservedContainer[];
  waiting: ReadonlyMap<string, WaitingReason>;
  probes: ProbeView;
  hostIP: string;
  /** ISO time used for new transitions and startTime */
  now: string;
}

const newestFirst = (a: ObservedContainer, b: ObservedContainer): number => b.createdAt - a.createdAt;

/** The terminated state of a dead instance, with Kubernetes' reasons. */
function terminated(c: ObservedContainer): NonNullable<ContainerStatus["state"]>["terminated"] {
  const exitCode = c.exitCode ?? 0;
  const reason = c.oomKilled ? "OOMKilled" : exitCode === 0 ? "Completed" : c.error ? "ContainerCannotRun" : "Error";
  return {
    exitCode,
    reason,
    ...(c.error ? { message: c.error } : {}),
    ...(c.startedAt && !c.startedAt.startsWith("0001-") ? { startedAt: c.startedAt } : {}),
    ...(c.finishedAt && !c.finishedAt.startsWith("0001-") ? { finishedAt: c.finishedAt } : {}),
    containerID: `docker://${c.id}`,
  };
}

function isRunning(c: ObservedContainer): boolean {
  return c.state === "running" || c.state === "restarting" || c.state === "paused";
}

/** The status of one spec container. */
function containerStatus(input: StatusInput, name: string, image: string, hasReadiness: boolean, hasStartup: boolean): ContainerStatus {
  const { pod, observed, waiting, probes } = input;
  const instances = observed.filter((c) => c.role === "container" && c.containerName === name && c.state !== "created").sort(newestFirst);
  const prev = pod.status?.containerStatuses?.find((c) => c.name === name);
  const latest = instances[0];
  const w = waiting.get(name);
  if (!latest) {
    return {
      name,
      state: { waiting: { reason: w?.reason ?? "ContainerCreating", ...(w?.message ? { message: w.message } : {}) } },
      ...(prev?.lastState && Object.keys(prev.lastState).length ? { lastState: prev.lastState } : { lastState: {} }),
      ready: false,
      started: false,
      restartCount: prev?.restartCount ?? 0,
      image,
      imageID: "",
    };
  }
  const previousDead = instances.slice(1).find((c) => !isRunning(c));
  const base = {
    name,
    restartCount: latest.restartCount,
    image,
    imageID: latest.imageID ? `docker-pullable://${latest.imageID}` : "",
    containerID: `docker://${latest.id}`,
  };
  if (isRunning(latest)) {
    const started = hasStartup ? probes.started(latest.id) : true;
    const ready = started && (hasReadiness ? probes.ready(latest.id) === true : true);
    return {
      ...base,
      state: { running: { startedAt: latest.startedAt } },
      lastState: previousDead ? { terminated: terminated(previousDead) } : {},
      ready,
      started,
    };
  }
  // Dead: either waiting to restart (back-off, pull) or terminated for good.
  if (w) {
    return {
      ...base,
      state: { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } },
      lastState: { terminated: terminated(latest) },
      ready: false,
      started: false,
    };
  }
  return {
    ...base,
    state: { terminated: terminated(latest) },
    lastState: previousDead ? { terminated: terminated(previousDead) } : {},
    ready: false,
    started: false,
  };
}

/** The pod phase from its container statuses (kubelet getPhase). A finished pod stays finished. */
export function podPhase(pod: Pod, statuses: readonly ContainerStatus[]): PodPhase {
  const old = pod.status?.phase;
  if (old === "Succeeded" || old === "Failed") return old;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    const policy = pod.spec.restartPolicy ?? "Always";
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function condition(pod: Pod, type: string, status: "True" | "False", now: string, reason?: string, message?: string): PodCondition {
  const old = pod.status?.conditions?.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** Compute the whole status of a pod. */
export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, observed, hostIP, now } = input;
  const statuses = pod.spec.containers.map((c) =>
    containerStatus(input, c.name, c.image, Boolean(c.readinessProbe), Boolean(c.startupProbe)),
  );
  const phase = podPhase(pod, statuses);
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const finished = phase === "Succeeded" || phase === "Failed";
  const allReady = notReady.length === 0 && !finished;
  const readyReason = finished ? "PodCompleted" : allReady ? undefined : "ContainersNotReady";
  const readyMessage = allReady || finished ? undefined : `containers with unready status: [${notReady.join(" ")}]`;
  const sandbox = observed.filter((c) => c.role === "sandbox" && c.state === "running").sort(newestFirst)[0];
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const conditions: PodCondition[] = [
    condition(pod, "Initialized", "True", now),
    condition(pod, "Ready", allReady ? "True" : "False", now, readyReason, readyMessage),
    condition(pod, "ContainersReady", allReady ? "True" : "False", now, readyReason, readyMessage),
    scheduled ?? condition(pod, "PodScheduled", "True", now),
  ];
  const podIP = sandbox?.ip || (finished ? pod.status?.podIP : undefined);
  return {
    phase,
    conditions,
    hostIP,
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: pod.status?.startTime ?? now,
    containerStatuses: statuses,
  };
}

/** A canonical JSON form for change detection (key order independent). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    }
    return v;
  });
}
