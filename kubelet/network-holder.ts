/**
 * Which container holds a pod's network namespace (its IP and published ports). A pod with a
 * sandbox has it in the sandbox; a pod run without one (a single app container, see
 * `needsSandbox` in pod-plan.ts) has it in that container. Everything that reaches a pod by its
 * address (status, probes, hooks, port-forward) asks here rather than for "the sandbox".
 */
import type { ObservedContainer } from "./runtime/types.js";

/** Does this container own a network namespace (a sandbox, or an app container with its own network)? */
export function holdsNetwork(c: ObservedContainer): boolean {
  return c.role === "sandbox" || (c.role === "container" && c.sandboxId === undefined);
}

/**
 * The running container holding the pod's network namespace: its newest running sandbox, else
 * (a pod without one) its newest running container with a network of its own; undefined when
 * none runs.
 */
export function networkHolder(observed: readonly ObservedContainer[]): ObservedContainer | undefined {
  return runningSandbox(observed) ?? newestRunning(observed, holdsNetwork);
}

/** The pod's newest running sandbox, the one new containers join; undefined when none runs. */
export function runningSandbox(observed: readonly ObservedContainer[]): ObservedContainer | undefined {
  return newestRunning(observed, (c) => c.role === "sandbox");
}

function newestRunning(observed: readonly ObservedContainer[], which: (c: ObservedContainer) => boolean): ObservedContainer | undefined {
  let best: ObservedContainer | undefined;
  for (const c of observed) if (c.state === "running" && which(c) && (!best || c.createdAt > best.createdAt)) best = c;
  return best;
}
