/**
 * planPod: the pure heart of a pod sync (Kubernetes' computePodActions). Given the desired pod,
 * the containers the runtime has for it, the time and the back-off records, it returns the
 * actions that move the one toward the other. It never touches the engine or the API.
 */
import type { Pod } from "../lib/types.js";
import { needsPodIP } from "./env.js";
import { formatDelay, nextRestartDelay, pullKey, restartKey, type BackoffConfig, type BackoffEntry } from "./backoff.js";
import type { ObservedContainer } from "./runtime/types.js";

/** One step for the apply layer. Kills and removals run first, then the sandbox, then starts. */
export type PodAction =
  /** Stop everything of the pod (preStop, SIGTERM, SIGKILL after grace), remove it, and delete the pod object if asked. */
  | { type: "killPod"; reason: string; gracePeriodSeconds: number; deletePod: boolean }
  /** Stop one container (liveness failure, stale sandbox, duplicate). */
  | { type: "killContainer"; id: string; container: string; reason: string; message: string; gracePeriodSeconds: number }
  /** Remove a dead (or unwanted) container instance. */
  | { type: "removeContainer"; id: string; container: string }
  /** Create and start a new sandbox. */
  | { type: "createSandbox"; attempt: number }
  /** Create and start a user container instance. */
  | { type: "startContainer"; container: string; restartCount: number }
  /** Remember a back-off decision. */
  | { type: "setBackoff"; key: string; entry: BackoffEntry }
  /** Report a container as waiting (CrashLoopBackOff, ImagePullBackOff). */
  | { type: "waiting"; container: string; reason: string; message: string }
  /** Sync this pod again after `ms` (a back-off expiring). */
  | { type: "requeueAfter"; ms: number };

/** Everything planPod reads. */
export interface PlanInput {
  pod: Pod;
  /** this pod's containers (sandboxes and user containers, any state) */
  observed: readonly ObservedContainer[];
  now: number;
  backoff: ReadonlyMap<string, BackoffEntry>;
  /** container IDs whose liveness (or startup) probe has failed past its threshold */
  unhealthy: ReadonlySet<string>;
  config: BackoffConfig;
  /**
   * The runtime can run a pod that does not need a sandbox ({@link needsSandbox}) without one.
   * A pod that already has a sandbox (adopted from before) keeps it.
   */
  withoutSandbox?: boolean;
}

/**
 * Does the pod need a sandbox, a container that holds its network namespace apart from its app
 * containers? It does when several containers share it (two app containers reach each other on
 * localhost; init containers run in the namespace the app containers get) or when a container's
 * environment reads the pod IP (known only once the namespace exists). A pod of one container
 * does not: that container holds the network itself, with the hostname, published ports, DNS
 * and pod IP a sandbox would have, and a restart asks the engine for the same pod IP again. This
 * saves a container create and start per pod, about a fifth of a pod's start on Docker.
 */
export function needsSandbox(pod: Pod): boolean {
  const containers = pod.spec.containers;
  return containers.length !== 1 || (pod.spec.initContainers?.length ?? 0) > 0 || containers.some(needsPodIP);
}

/** The grace period to use when the pod is being deleted (or killed for another reason). */
export function podGracePeriod(pod: Pod): number {
  return Math.max(0, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
}

/** Kubernetes' status message of a pod stopped by its activeDeadlineSeconds. */
export const ACTIVE_DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline";

/**
 * When the pod's activeDeadlineSeconds runs out (ms since the epoch), counted from the
 * status.startTime the kubelet wrote; undefined without a deadline or before the pod started.
 */
export function activeDeadline(pod: Pod): number | undefined {
  const seconds = pod.spec.activeDeadlineSeconds;
  const started = ms(pod.status?.startTime);
  return seconds === undefined || started === undefined ? undefined : started + seconds * 1000;
}

/** ISO time (or undefined) to ms, NaN-safe. */
function ms(iso: string | undefined): number | undefined {
  if (!iso || iso.startsWith("0001-")) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

const newestFirst = (a: ObservedContainer, b: ObservedContainer): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);

/** Would the restart policy restart this exited container? */
export function shouldRestart(pod: Pod, exitCode: number | undefined): boolean {
  const policy = pod.spec.restartPolicy ?? "Always";
  if (policy === "Always") return true;
  if (policy === "OnFailure") return exitCode !== 0;
  return false;
}

/** What the per-container steps share. */
interface PlanContext {
  pod: Pod;
  now: number;
  backoff: ReadonlyMap<string, BackoffEntry>;
  config: BackoffConfig;
  actions: PodAction[];
}

type Start = { container: string; restartCount: number };

function isLive(c: ObservedContainer): boolean {
  return c.state === "running" || c.state === "restarting" || c.state === "paused";
}

/**
 * Housekeeping common to app and init containers: never-started instances are failed starts
 * (removed; a new one is started), only the newest dead instance is kept (lastState, logs
 * --previous) and only the newest running one survives. `instances` is newest first.
 */
function tidy(actions: PodAction[], name: string, instances: readonly ObservedContainer[]): { live?: ObservedContainer; dead?: ObservedContainer; created?: ObservedContainer } {
  const running = instances.filter(isLive);
  const exited = instances.filter((c) => c.state === "exited" || c.state === "dead");
  const created = instances.filter((c) => c.state === "created");
  for (const c of created) actions.push({ type: "removeContainer", id: c.id, container: name });
  for (const c of exited.slice(1)) actions.push({ type: "removeContainer", id: c.id, container: name });
  for (const c of running.slice(1)) actions.push({ type: "removeContainer", id: c.id, container: name });
  return { live: running[0], dead: exited[0], created: created[0] };
}

/**
 * The restart of a crashed (dead, restartable) instance under the crash back-off: the start, or
 * undefined while the back-off holds it (then it reports CrashLoopBackOff and requeues).
 */
function restartAfterCrash(ctx: PlanContext, name: string, dead: ObservedContainer, latestRestartCount: number): Start | undefined {
  const { pod, now, backoff, config, actions } = ctx;
  const rKey = restartKey(pod.metadata.uid ?? "", name);
  const restartCount = Math.max(dead.restartCount, latestRestartCount) + 1;
  const finished = ms(dead.finishedAt) ?? now;
  const entry = backoff.get(rKey);
  let delay: number;
  if (entry?.containerId === dead.id) {
    delay = entry.delayMs;
  } else {
    const started = ms(dead.startedAt) ?? finished;
    delay = nextRestartDelay(entry, finished - started, config);
    actions.push({ type: "setBackoff", key: rKey, entry: { delayMs: delay, containerId: dead.id } });
  }
  const until = finished + delay;
  if (delay > 0 && now < until) {
    actions.push({
      type: "waiting",
      container: name,
      reason: "CrashLoopBackOff",
      message: `back-off ${formatDelay(delay)} restarting failed container=${name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
    });
    actions.push({ type: "requeueAfter", ms: until - now });
    return undefined;
  }
  return { container: name, restartCount };
}

/**
 * Init containers (Kubernetes' findNextInitContainerToRun). They run one at a time, in order, in
 * the current sandbox, each to exit 0. Returns true once the pod is initialized in the current
 * sandbox (every init container completed there, or an app container already exists there, so
 * init is never re-run under a running pod); otherwise pushes the next init step, if any, to
 * `starts` and returns false. A new sandbox starts init over from the first init container.
 */
function planInit(ctx: PlanContext, users: readonly ObservedContainer[], sandbox: ObservedContainer | undefined, starts: Start[]): boolean {
  const { pod, actions } = ctx;
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return true;
  const current = sandbox?.state === "running" ? sandbox : undefined;
  const appNames = new Set(pod.spec.containers.map((c) => c.name));
  const inCurrent = (c: ObservedContainer): boolean => current !== undefined && c.sandboxId === current.id;
  const instancesOf = (name: string): ObservedContainer[] => users.filter((c) => c.containerName === name);

  for (const spec of inits) {
    const { live } = tidy(actions, spec.name, instancesOf(spec.name));
    // An init container still running in a replaced sandbox: it is re-run in the new one.
    if (live && !inCurrent(live)) {
      actions.push({ type: "killContainer", id: live.id, container: spec.name, reason: "SandboxChanged", message: "pod sandbox changed, it will be killed and re-created", gracePeriodSeconds: podGracePeriod(pod) });
    }
  }
  if (current && users.some((c) => appNames.has(c.containerName) && inCurrent(c))) return true;

  const policy = pod.spec.restartPolicy ?? "Always";
  /** The restart count of a fresh instance: a retried failed start keeps its count, a re-run counts one more. */
  const nextCount = (name: string): number => {
    const all = instancesOf(name);
    const retry = all.find((c) => c.state === "created");
    if (retry) return retry.restartCount;
    if (all.length) return Math.max(...all.map((c) => c.restartCount)) + 1;
    const prev = pod.status?.initContainerStatuses?.find((c) => c.name === name);
    return prev?.containerID ? prev.restartCount + 1 : (prev?.restartCount ?? 0);
  };

  if (!current) {
    // Kubernetes does not re-create the sandbox of a restartPolicy Never pod whose containers ran.
    if (sandbox && policy === "Never" && users.length > 0) return false;
    starts.push({ container: inits[0].name, restartCount: nextCount(inits[0].name) });
    return false;
  }
  for (const spec of inits) {
    const latest = instancesOf(spec.name).find((c) => inCurrent(c) && c.state !== "created");
    if (!latest) {
      starts.push({ container: spec.name, restartCount: nextCount(spec.name) });
      return false;
    }
    if (isLive(latest)) return false;
    if (latest.exitCode === 0) continue;
    // Failed: retried under the crash back-off unless the pod never restarts (it then fails).
    if (policy === "Never") return false;
    const maxCount = Math.max(...instancesOf(spec.name).map((c) => c.restartCount));
    const s = restartAfterCrash(ctx, spec.name, latest, maxCount);
    if (s) starts.push(s);
    return false;
  }
  return true;
}

/** Compute the actions for one pod. */
export function planPod(input: PlanInput): PodAction[] {
  const { pod, observed, now, backoff, unhealthy, config } = input;
  const actions: PodAction[] = [];
  const ctx: PlanContext = { pod, now, backoff, config, actions };

  if (pod.metadata.deletionTimestamp) {
    return [{ type: "killPod", reason: "Deleted", gracePeriodSeconds: podGracePeriod(pod), deletePod: true }];
  }

  const sandboxes = observed.filter((c) => c.role === "sandbox").sort(newestFirst);
  const users = observed.filter((c) => c.role === "container").sort(newestFirst);
  // Init containers count as in the spec: their dead instances stay (status, logs) after init.
  const specNames = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  const phase = pod.status?.phase;

  // A finished pod keeps its dead containers (for status and logs) but not a running sandbox. A
  // pod past its activeDeadlineSeconds is finished too: the status reports it Failed.
  const deadline = activeDeadline(pod);
  const finished = phase === "Succeeded" || phase === "Failed";
  if (finished || (deadline !== undefined && now >= deadline)) {
    const message = finished ? "pod has finished" : ACTIVE_DEADLINE_MESSAGE;
    for (const c of users) {
      if (c.state === "running") actions.push({ type: "killContainer", id: c.id, container: c.containerName, reason: "PodCompleted", message, gracePeriodSeconds: podGracePeriod(pod) });
    }
    for (const s of sandboxes) {
      if (s.state === "running") actions.push({ type: "killContainer", id: s.id, container: "POD", reason: "PodCompleted", message, gracePeriodSeconds: 0 });
    }
    return actions;
  }
  // Come back when the deadline passes (no container event will say so); at least every 10
  // minutes, so a deadline of weeks never becomes a timer beyond setTimeout's range.
  if (deadline !== undefined) actions.push({ type: "requeueAfter", ms: Math.min(deadline - now, 600_000) });

  const sandbox = sandboxes[0];
  // Without a sandbox, the one app container holds the network: nothing else to create or join.
  const sandboxless = input.withoutSandbox === true && sandboxes.length === 0 && !needsSandbox(pod);
  const sandboxOk = sandboxless || sandbox?.state === "running";
  for (const old of sandboxes.slice(1)) actions.push({ type: "removeContainer", id: old.id, container: "POD" });

  // Containers no longer in the spec.
  for (const c of users) if (!specNames.has(c.containerName)) actions.push({ type: "removeContainer", id: c.id, container: c.containerName });

  const starts: Start[] = [];
  const initialized = planInit(ctx, users, sandbox, starts);
  for (const spec of pod.spec.containers) {
    const instances = users.filter((c) => c.containerName === spec.name);
    const { live, dead: keepDead, created: fromCreated } = tidy(actions, spec.name, instances);
    const latest = instances[0];

    if (!initialized) {
      // App containers wait for init; one left running in a replaced sandbox is stopped now.
      if (live) actions.push({ type: "killContainer", id: live.id, container: spec.name, reason: "SandboxChanged", message: "pod sandbox changed, it will be killed and re-created", gracePeriodSeconds: podGracePeriod(pod) });
      continue;
    }

    if (live) {
      const maxCount = Math.max(...instances.map((c) => c.restartCount));
      if (!sandboxless && (!sandboxOk || live.sandboxId !== sandbox?.id)) {
        actions.push({ type: "killContainer", id: live.id, container: spec.name, reason: "SandboxChanged", message: "pod sandbox changed, it will be killed and re-created", gracePeriodSeconds: podGracePeriod(pod) });
        if ((pod.spec.restartPolicy ?? "Always") !== "Never") starts.push({ container: spec.name, restartCount: maxCount + 1 });
        continue;
      }
      if (live.image !== spec.image) {
        // The image is the one container field a pod update may change (the API server refuses
        // the rest). Kubernetes restarts a changed container whatever the restart policy.
        actions.push({ type: "killContainer", id: live.id, container: spec.name, reason: "DefinitionChanged", message: `Container ${spec.name} definition changed, will be restarted`, gracePeriodSeconds: podGracePeriod(pod) });
        starts.push({ container: spec.name, restartCount: maxCount + 1 });
        continue;
      }
      if (unhealthy.has(live.id)) {
        actions.push({ type: "killContainer", id: live.id, container: spec.name, reason: "Unhealthy", message: `Container ${spec.name} failed liveness probe, will be restarted`, gracePeriodSeconds: podGracePeriod(pod) });
        if (shouldRestart(pod, 137)) starts.push({ container: spec.name, restartCount: maxCount + 1 });
      }
      continue;
    }

    if (!keepDead) {
      // Nothing ran, or the instance was removed behind our back (`docker rm -f`): start one.
      if (fromCreated) {
        starts.push({ container: spec.name, restartCount: fromCreated.restartCount });
      } else {
        const prev = pod.status?.containerStatuses?.find((c) => c.name === spec.name);
        if (prev?.containerID) {
          // it ran before: treat the vanished instance as killed (exit 137) unless it had finished
          if (!shouldRestart(pod, prev.state?.terminated?.exitCode ?? 137)) continue;
          starts.push({ container: spec.name, restartCount: prev.restartCount + 1 });
        } else {
          starts.push({ container: spec.name, restartCount: prev?.restartCount ?? 0 });
        }
      }
      continue;
    }

    // The newest instance is dead.
    if (!shouldRestart(pod, keepDead.exitCode)) continue;
    const s = restartAfterCrash(ctx, spec.name, keepDead, latest?.restartCount ?? 0);
    if (s) starts.push(s);
  }

  // Image-pull back-off holds a start back.
  const gated: Start[] = [];
  for (const s of starts) {
    const pb = backoff.get(pullKey(pod.metadata.uid ?? "", s.container));
    if (pb?.untilMs !== undefined && now < pb.untilMs) {
      // The first failure shows its own reason until the first retry; later ones ImagePullBackOff
      // (ErrImageNeverPull never turns into a back-off: no pull will ever be tried).
      const sticky = pb.reason === "ErrImageNeverPull" || (pb.failures ?? 1) <= 1;
      actions.push(
        sticky
          ? { type: "waiting", container: s.container, reason: pb.reason ?? "ErrImagePull", message: pb.message ?? "" }
          : { type: "waiting", container: s.container, reason: "ImagePullBackOff", message: `Back-off pulling image: ${pb.message ?? ""}`.trim() },
      );
      actions.push({ type: "requeueAfter", ms: pb.untilMs - now });
    } else {
      gated.push(s);
    }
  }

  if (gated.length > 0 && !sandboxOk) {
    if (sandbox) actions.push({ type: "removeContainer", id: sandbox.id, container: "POD" });
    actions.push({ type: "createSandbox", attempt: sandboxes.length });
  }
  for (const s of gated) actions.push({ type: "startContainer", container: s.container, restartCount: s.restartCount });
  return actions;
}
