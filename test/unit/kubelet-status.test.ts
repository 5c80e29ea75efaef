import { describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { canonical, computePodStatus, podPhase, type ProbeView, type WaitingReason } from "../../kubelet/pod-status.js";
import type { ObservedContainer } from "../../kubelet/runtime/types.js";
import { mergeStatus } from "../../kubelet/status-manager.js";

const NOW = "2024-01-01T00:00:10.000Z";
const pod = (over: Partial<Pod["spec"]> = {}, status?: Pod["status"]): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: { containers: [{ name: "a", image: "img:v1" }], ...over },
  ...(status ? { status } : {}),
});
const sb: ObservedContainer = { id: "sb", name: "sb", role: "sandbox", podUid: "u1", podName: "p", podNamespace: "default", containerName: "POD", restartCount: 0, state: "running", createdAt: 1, image: "kctl/pause:1", ip: "172.17.0.9" };
const c = (o: Partial<ObservedContainer>): ObservedContainer => ({ id: "x", name: "x", role: "container", podUid: "u1", podName: "p", podNamespace: "default", containerName: "a", restartCount: 0, state: "running", createdAt: 2, image: "img:v1", imageID: "sha256:abc", startedAt: "2024-01-01T00:00:01Z", ...o });
const probes = (ready: Record<string, boolean> = {}, started: Record<string, boolean> = {}): ProbeView => ({ ready: (id) => ready[id], started: (id) => started[id] ?? true });
const status = (p: Pod, observed: ObservedContainer[], w: Record<string, WaitingReason> = {}, pv = probes()) =>
  computePodStatus({ pod: p, observed, waiting: new Map(Object.entries(w)), probes: pv, hostIP: "10.0.0.1", now: NOW });

describe("computePodStatus", () => {
  it("activeDeadlineSeconds: Failed with DeadlineExceeded once it has run out, counted from startTime", () => {
    const startTime = "2024-01-01T00:00:00.000Z"; // NOW - 10 s
    const over = status(pod({ activeDeadlineSeconds: 5 }, { phase: "Running", startTime }), [sb, c({})]);
    expect(over).toMatchObject({ phase: "Failed", reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" });
    const within = status(pod({ activeDeadlineSeconds: 60 }, { phase: "Running", startTime }), [sb, c({})]);
    expect(within.phase).toBe("Running");
    expect(within.reason).toBeUndefined();
    // A pod that finished before its deadline keeps its phase.
    const done = status(pod({ activeDeadlineSeconds: 5, restartPolicy: "Never" }, { phase: "Succeeded", startTime }), [sb, c({ state: "exited", exitCode: 0, finishedAt: "2024-01-01T00:00:02Z" })]);
    expect(done.phase).toBe("Succeeded");
    expect(done.reason).toBeUndefined();
  });

  it("running and ready: phase, IPs, conditions, containerStatuses", () => {
    const s = status(pod(), [sb, c({})]);
    expect(s.phase).toBe("Running");
    expect(s.podIP).toBe("172.17.0.9");
    expect(s.hostIP).toBe("10.0.0.1");
    expect(s.startTime).toBe(NOW);
    expect(s.conditions?.map((x) => `${x.type}=${x.status}`)).toEqual(["Initialized=True", "Ready=True", "ContainersReady=True", "PodScheduled=True"]);
    expect(s.containerStatuses?.[0]).toMatchObject({ name: "a", ready: true, started: true, restartCount: 0, containerID: "docker://x", imageID: "docker-pullable://sha256:abc", state: { running: { startedAt: "2024-01-01T00:00:01Z" } } });
  });

  it("pending while creating; waiting reasons shown", () => {
    expect(status(pod(), []).containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    const s = status(pod(), [sb], { a: { reason: "ErrImagePull", message: "nope" } });
    expect(s.phase).toBe("Pending");
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "ErrImagePull", message: "nope" } });
    expect(s.conditions?.find((x) => x.type === "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [a]" });
  });

  it("CrashLoopBackOff: waiting with lastState terminated, phase Running", () => {
    const dead = c({ state: "exited", exitCode: 1, finishedAt: "2024-01-01T00:00:05Z", restartCount: 2 });
    const s = status(pod(), [sb, dead], { a: { reason: "CrashLoopBackOff", message: "back-off 2s" } });
    expect(s.phase).toBe("Running");
    const cs = s.containerStatuses![0]!;
    expect(cs.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error", finishedAt: "2024-01-01T00:00:05Z" });
    expect(cs.restartCount).toBe(2);
  });

  it("restarted container shows the previous instance as lastState; OOMKilled and Completed reasons", () => {
    const prev = c({ id: "old", state: "exited", exitCode: 137, oomKilled: true, createdAt: 1 });
    const s = status(pod(), [sb, prev, c({ id: "new", createdAt: 5, restartCount: 1 })]);
    expect(s.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137, containerID: "docker://old" });
    const done = status(pod({ restartPolicy: "Never" }), [c({ state: "exited", exitCode: 0 })]);
    expect(done.phase).toBe("Succeeded");
    expect(done.containerStatuses?.[0]?.state?.terminated?.reason).toBe("Completed");
    expect(done.conditions?.find((x) => x.type === "Ready")?.reason).toBe("PodCompleted");
  });

  it("readiness and startup probes gate ready", () => {
    const p = pod({ containers: [{ name: "a", image: "i", readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { tcpSocket: { port: 80 } } }] });
    expect(status(p, [sb, c({})], {}, probes({}, { x: false })).containerStatuses?.[0]).toMatchObject({ ready: false, started: false });
    expect(status(p, [sb, c({})], {}, probes({ x: false }, { x: true })).containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(status(p, [sb, c({})], {}, probes({ x: true }, { x: true })).containerStatuses?.[0]).toMatchObject({ ready: true, started: true });
  });

  it("keeps lastTransitionTime unless the condition flips", () => {
    const old = pod({}, { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2023-01-01T00:00:00Z" }] });
    expect(status(old, [sb, c({})]).conditions?.find((x) => x.type === "Ready")?.lastTransitionTime).toBe("2023-01-01T00:00:00Z");
    expect(status(old, [sb, c({ state: "exited", exitCode: 1 })], { a: { reason: "CrashLoopBackOff" } }).conditions?.find((x) => x.type === "Ready")?.lastTransitionTime).toBe(NOW);
  });

  it("phase table (kubelet getPhase)", () => {
    const t = (policy: "Always" | "OnFailure" | "Never", codes: number[]) =>
      podPhase(pod({ restartPolicy: policy }), codes.map((code, i) => ({ name: `c${i}`, ready: false, restartCount: 0, image: "", state: { terminated: { exitCode: code } } })));
    expect(t("Always", [0])).toBe("Running");
    expect(t("Never", [0, 0])).toBe("Succeeded");
    expect(t("Never", [0, 1])).toBe("Failed");
    expect(t("OnFailure", [1])).toBe("Running");
    expect(t("OnFailure", [0])).toBe("Succeeded");
    expect(podPhase(pod({}, { phase: "Failed" }), [])).toBe("Failed");
  });

  it("canonical form ignores key order; merge keeps foreign conditions", () => {
    expect(canonical({ a: 1, b: { d: 2, c: 3 } })).toBe(canonical({ b: { c: 3, d: 2 }, a: 1 }));
    const m = mergeStatus({ conditions: [{ type: "example.com/gate", status: "True" }], nominatedNodeName: "n" }, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] });
    expect(m.conditions?.map((x) => x.type)).toEqual(["Ready", "example.com/gate"]);
    expect(m.nominatedNodeName).toBe("n");
  });
});

describe("computePodStatus: init containers", () => {
  const withInit = (over: Partial<Pod["spec"]> = {}): Pod => pod({ initContainers: [{ name: "i1", image: "img:v1" }, { name: "i2", image: "img:v1" }], ...over });
  const init = (name: string, o: Partial<ObservedContainer>): ObservedContainer => c({ id: name, name, containerName: name, ...o });
  const initialized = (s: ReturnType<typeof status>) => s.conditions?.find((x) => x.type === "Initialized");

  it("while the first runs: Pending, Initialized False, the rest PodInitializing", () => {
    const s = status(withInit(), [sb, init("i1", {})]);
    expect(s.phase).toBe("Pending");
    expect(initialized(s)).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [i1 i2]" });
    expect(s.initContainerStatuses?.map((x) => [x.name, Object.keys(x.state ?? {})[0], x.ready])).toEqual([["i1", "running", false], ["i2", "waiting", false]]);
    expect(s.initContainerStatuses?.[1]?.state?.waiting?.reason).toBe("PodInitializing");
    expect(s.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(status(withInit(), []).initContainerStatuses?.[0]?.state).toEqual({ waiting: { reason: "PodInitializing" } });
  });

  it("all completed: ready (as Kubernetes says of a completed init container), Initialized True, app running", () => {
    const doneAt = { state: "exited" as const, exitCode: 0, finishedAt: "2024-01-01T00:00:02Z" };
    const s = status(withInit(), [sb, init("i1", doneAt), init("i2", doneAt), c({ createdAt: 9 })]);
    expect(s.phase).toBe("Running");
    expect(initialized(s)).toMatchObject({ status: "True" });
    expect(initialized(s)?.reason).toBeUndefined();
    expect(s.initContainerStatuses?.map((x) => [x.state?.terminated?.reason, x.ready, x.started])).toEqual([["Completed", true, false], ["Completed", true, false]]);
    expect(s.containerStatuses?.[0]?.state?.running).toBeTruthy();
  });

  it("a failed init container: Pending while it is retried (Init:CrashLoopBackOff), Failed under restartPolicy Never", () => {
    const failed = init("i1", { state: "exited", exitCode: 3, restartCount: 1 });
    const retried = status(withInit({ restartPolicy: "OnFailure" }), [sb, failed], { i1: { reason: "CrashLoopBackOff", message: "back-off 1s" } });
    expect(retried.phase).toBe("Pending");
    expect(retried.initContainerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 3, reason: "Error" } } });
    const never = status(withInit({ restartPolicy: "Never" }), [sb, failed]);
    expect(never.phase).toBe("Failed");
    expect(never.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(initialized(never)).toMatchObject({ status: "False", message: "containers with incomplete status: [i1 i2]" });
  });

  it("re-running init after a sandbox change keeps the pod Running and Initialized (an app container has run)", () => {
    const s = status(withInit(), [sb, init("i1", {}), init("i2", { state: "exited", exitCode: 0 }), c({ state: "exited", exitCode: 137 })]);
    expect(s.phase).toBe("Running");
    expect(initialized(s)?.status).toBe("True");
  });

  it("a pod without init containers reports no initContainerStatuses", () => {
    expect(status(pod(), [sb, c({})])).not.toHaveProperty("initContainerStatuses");
  });
});
