/**
 * computePodStatus: the pure function from (pod, observed containers, waiting reasons, probe
 * results) to a PodStatus, following the kubelet's rules for phase, conditions and
 * containerStatuses. Conditions keep their lastTransitionTime unless their status changes.
 */
import type { ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from "../lib/types.js";
import { ACTIVE_DEADLINE_MESSAGE, activeDeadline } from "./pod-plan.js";
import { holdsNetwork, networkHolder } from "./network-holder.js";
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

/** How one spec container is reported. */
interface StatusOptions {
  name: string;
  image: string;
  hasReadiness: boolean;
  hasStartup: boolean;
  /** an init container: ready once it completed (exit 0), as Kubernetes' prober manager says */
  init: boolean;
  /** the waiting reason before any instance exists */
  defaultWaiting: string;
  /** the previously written statuses of the same kind (init or app) */
  previous: readonly ContainerStatus[] | undefined;
}

/** The status of one spec container. */
function containerStatus(input: StatusInput, o: StatusOptions): ContainerStatus {
  const { observed, waiting, probes } = input;
  const { name, image, hasReadiness, hasStartup } = o;
  const instances = observed.filter((c) => c.role === "container" && c.containerName === name && c.state !== "created").sort(newestFirst);
  const prev = o.previous?.find((c) => c.name === name);
  const latest = instances[0];
  const w = waiting.get(name);
  if (!latest) {
    return {
      name,
      state: { waiting: { reason: w?.reason ?? o.defaultWaiting, ...(w?.message ? { message: w.message } : {}) } },
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
    // A running classic init container is not ready: it is ready only once it completed.
    const ready = !o.init && started && (hasReadiness ? probes.ready(latest.id) === true : true);
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
  const done = terminated(latest);
  return {
    ...base,
    state: { terminated: done },
    lastState: previousDead ? { terminated: terminated(previousDead) } : {},
    ready: o.init && done?.exitCode === 0,
    started: false,
  };
}

/** Has an app container run in this pod (Kubernetes' HasAnyRegularContainerStarted)? */
function anyAppStarted(statuses: readonly ContainerStatus[]): boolean {
  return statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
}

/**
 * The pod phase from its container statuses (kubelet getPhase). A finished pod stays finished.
 * Init containers: one that failed under restartPolicy Never fails the pod; while any is
 * incomplete and no app container has run yet, the pod is Pending.
 */
export function podPhase(pod: Pod, statuses: readonly ContainerStatus[], initStatuses: readonly ContainerStatus[] = []): PodPhase {
  const old = pod.status?.phase;
  if (old === "Succeeded" || old === "Failed") return old;
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of initStatuses) {
    const t = s.state?.terminated;
    if (t) {
      if (t.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting && s.lastState?.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
    else pendingInit++;
  }
  if (failedInit > 0 && (pod.spec.restartPolicy ?? "Always") === "Never") return "Failed";
  if ((pendingInit > 0 || failedInit > 0) && !anyAppStarted(statuses)) return "Pending";
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
  const inits = pod.spec.initContainers ?? [];
  // Kubernetes reports containers not created yet of a pod with init containers as PodInitializing.
  const defaultWaiting = inits.length ? "PodInitializing" : "ContainerCreating";
  const initStatuses = inits.map((c) =>
    containerStatus(input, { name: c.name, image: c.image, hasReadiness: false, hasStartup: false, init: true, defaultWaiting, previous: pod.status?.initContainerStatuses }),
  );
  const statuses = pod.spec.containers.map((c) =>
    containerStatus(input, { name: c.name, image: c.image, hasReadiness: Boolean(c.readinessProbe), hasStartup: Boolean(c.startupProbe), init: false, defaultWaiting, previous: pod.status?.containerStatuses }),
  );
  // A pod past its activeDeadlineSeconds fails (the plan stops its containers); a pod that had
  // already finished keeps its phase and reason.
  const finishedBefore = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
  const deadline = activeDeadline(pod);
  const deadlineExceeded = !finishedBefore && deadline !== undefined && Date.parse(now) >= deadline;
  const phase = deadlineExceeded ? "Failed" : podPhase(pod, statuses, initStatuses);
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const finished = phase === "Succeeded" || phase === "Failed";
  const allReady = notReady.length === 0 && !finished;
  const readyReason = finished ? "PodCompleted" : allReady ? undefined : "ContainersNotReady";
  const readyMessage = allReady || finished ? undefined : `containers with unready status: [${notReady.join(" ")}]`;
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const conditions: PodCondition[] = [
    initializedCondition(pod, statuses, initStatuses, phase, now),
    condition(pod, "Ready", allReady ? "True" : "False", now, readyReason, readyMessage),
    condition(pod, "ContainersReady", allReady ? "True" : "False", now, readyReason, readyMessage),
    scheduled ?? condition(pod, "PodScheduled", "True", now),
  ];
  // A pod without a sandbox keeps its IP while its only container restarts (the restart asks the
  // engine for it again), as a sandbox would hold it; a finished pod keeps the last one.
  const ownNetwork = !observed.some((c) => c.role === "sandbox") && observed.some(holdsNetwork);
  const podIP = networkHolder(observed)?.ip || (finished || ownNetwork ? pod.status?.podIP : undefined);
  return {
    phase,
    ...(deadlineExceeded ? { reason: "DeadlineExceeded", message: ACTIVE_DEADLINE_MESSAGE } : {}),
    conditions,
    hostIP,
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: pod.status?.startTime ?? now,
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
  };
}

/** Kubernetes' GeneratePodInitializedCondition: True once every init container completed (exit 0) or an app container has run. */
function initializedCondition(pod: Pod, statuses: readonly ContainerStatus[], initStatuses: readonly ContainerStatus[], phase: PodPhase, now: string): PodCondition {
  if (phase === "Succeeded") return condition(pod, "Initialized", "True", now, "PodCompleted");
  const incomplete = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  if (incomplete.length === 0 || anyAppStarted(statuses)) return condition(pod, "Initialized", "True", now);
  return condition(pod, "Initialized", "False", now, "ContainersNotInitialized", `containers with incomplete status: [${incomplete.join(" ")}]`);
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
