/**
 * Lifecycle hooks (`lifecycle.postStart`, `lifecycle.preStop`; exec in the container or httpGet
 * against the pod), as Kubernetes' kubelet runs them: each cut at the pod's grace period (preStop
 * counts inside it), failures reported as FailedPostStartHook / FailedPreStopHook events, a failed
 * postStart kills the container so it restarts per its restart policy.
 */
import type { Container, Pod } from "../lib/types.js";
import type { Clock } from "../lib/clock.js";
import type { Recorder } from "../lib/events.js";
import { containerFieldPath } from "./container-spec.js";
import { podGracePeriod } from "./pod-plan.js";
import type { ContainerState } from "./pleg.js";
import { runProbe } from "./probes/handlers.js";
import type { ContainerRuntime, ObservedContainer } from "./runtime/types.js";

/** What the hooks need from the kubelet. */
export interface HookDeps {
  runtime: ContainerRuntime;
  cache: ContainerState;
  recorder: Recorder;
  clock: Clock;
}

/** Runs a pod's lifecycle hooks. */
export class LifecycleHooks {
  constructor(private readonly d: HookDeps) {}

  /** preStop: run it, at most the grace period; a failure is a FailedPreStopHook event (the stop goes on). */
  async preStop(pod: Pod, spec: Container, c: ObservedContainer, podIP: string, graceSeconds: number): Promise<void> {
    const out = await this.run(pod, spec, c.id, "preStop", podIP, graceSeconds);
    if (out && !out.success) {
      this.d.recorder.event(pod, "Warning", "FailedPreStopHook", `PreStopHook failed: ${out.message}`, containerFieldPath(pod, spec.name));
    }
  }

  /**
   * Run a lifecycle hook (exec in the container, or httpGet against the pod) and wait for it, at
   * most `graceSeconds` (a hook that hangs is cut there, as Kubernetes cuts preStop). Undefined
   * when the container has no such hook.
   */
  private async run(pod: Pod, spec: Container, id: string, kind: "preStop" | "postStart", podIP: string, graceSeconds: number): Promise<{ success: boolean; message: string } | undefined> {
    const hook = spec.lifecycle?.[kind];
    if (!hook) return undefined;
    const timeoutMs = Math.max(1, graceSeconds) * 1000;
    const run = runProbe(
      { exec: hook.exec, httpGet: hook.httpGet, timeoutSeconds: Math.max(1, graceSeconds) },
      { podIP, container: spec, exec: (cmd, t) => this.d.runtime.exec(id, cmd, Math.min(t, timeoutMs)) },
    ).catch((e: unknown) => ({ success: false, message: (e as Error).message }));
    let timer: { cancel(): void } | undefined;
    const cut = new Promise<{ success: boolean; message: string }>((resolve) => {
      timer = this.d.clock.setTimer(() => resolve({ success: false, message: `${kind} hook did not finish within ${Math.max(1, graceSeconds)}s` }), timeoutMs);
    });
    try {
      return await Promise.race([run, cut]);
    } finally {
      timer?.cancel();
    }
  }

  /**
   * postStart: runs right after the start; the container counts as started once it ends. A
   * failed hook kills the container (FailedPostStartHook), which then restarts per its policy,
   * as in Kubernetes.
   */
  async postStart(pod: Pod, spec: Container, started: ObservedContainer): Promise<void> {
    if (!spec.lifecycle?.postStart) return;
    const uid = pod.metadata.uid ?? "";
    // The pod's address: the sandbox's, or the container's own when it holds the network.
    const sandbox = started.sandboxId === undefined ? started : (this.d.cache.forPod(uid).find((c) => c.id === started.sandboxId) ?? (await this.d.runtime.inspect(started.sandboxId)));
    const grace = podGracePeriod(pod);
    const out = await this.run(pod, spec, started.id, "postStart", sandbox?.ip ?? "", grace);
    if (!out || out.success) return;
    const fp = containerFieldPath(pod, spec.name);
    this.d.recorder.event(pod, "Warning", "FailedPostStartHook", `PostStartHook failed: ${out.message}`, fp);
    this.d.recorder.event(pod, "Normal", "Killing", `FailedPostStartHook`, fp);
    await this.d.runtime.stopContainer(started.id, grace);
    await this.d.cache.refresh(started.id);
  }
}
