import { describe, expect, it } from "vitest";
import type { Pod } from "../../lib/types.js";
import { DEFAULT_BACKOFF, nextPullBackoff, nextRestartDelay, type BackoffEntry } from "../../kubelet/backoff.js";
import { needsSandbox, planPod, type PlanInput, type PodAction } from "../../kubelet/pod-plan.js";
import type { ObservedContainer } from "../../kubelet/runtime/types.js";

const NOW = Date.parse("2024-01-01T00:10:00Z");
const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();

function pod(over: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}, status?: Pod["status"]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u1", ...meta },
    spec: { containers: [{ name: "c", image: "img:v1" }], terminationGracePeriodSeconds: 5, ...over },
    ...(status ? { status } : {}),
  };
}

let seq = 0;
function sandbox(state: ObservedContainer["state"] = "running", id = "sb1", createdAgo = 60_000): ObservedContainer {
  return { id, name: id, role: "sandbox", podUid: "u1", podName: "p", podNamespace: "default", containerName: "POD", restartCount: 0, state, createdAt: NOW - createdAgo, image: "kctl/pause:1", ip: "172.17.0.2" };
}
function ctr(state: ObservedContainer["state"], o: Partial<ObservedContainer> = {}): ObservedContainer {
  seq++;
  return {
    id: `c${seq}`,
    name: `c${seq}`,
    role: "container",
    podUid: "u1",
    podName: "p",
    podNamespace: "default",
    containerName: "c",
    restartCount: 0,
    state,
    createdAt: NOW - 50_000,
    image: "img:v1",
    sandboxId: "sb1",
    startedAt: iso(50_000),
    ...(state === "exited" ? { finishedAt: iso(1000), exitCode: 1 } : {}),
    ...o,
  };
}

function plan(p: Pod, observed: ObservedContainer[], extra: Partial<PlanInput> = {}): PodAction[] {
  return planPod({ pod: p, observed, now: NOW, backoff: new Map(), unhealthy: new Set(), config: DEFAULT_BACKOFF, ...extra });
}
const types = (a: PodAction[]): string[] => a.map((x) => x.type);

describe("planPod", () => {
  it("new pod: sandbox then containers", () => {
    expect(plan(pod(), [])).toEqual([
      { type: "createSandbox", attempt: 0 },
      { type: "startContainer", container: "c", restartCount: 0 },
    ]);
  });

  it("steady state: nothing to do", () => {
    expect(plan(pod(), [sandbox(), ctr("running")])).toEqual([]);
  });

  it("activeDeadlineSeconds: containers stopped (kept for logs) once it runs out; until then a requeue at the deadline", () => {
    const live = ctr("running");
    const startTime = iso(60_000);
    const over = plan(pod({ activeDeadlineSeconds: 30 }, {}, { phase: "Running", startTime }), [sandbox(), live]);
    expect(over).toEqual([
      { type: "killContainer", id: live.id, container: "c", reason: "PodCompleted", message: "Pod was active on the node longer than the specified deadline", gracePeriodSeconds: 5 },
      { type: "killContainer", id: "sb1", container: "POD", reason: "PodCompleted", message: "Pod was active on the node longer than the specified deadline", gracePeriodSeconds: 0 },
    ]);
    expect(plan(pod({ activeDeadlineSeconds: 90 }, {}, { phase: "Running", startTime }), [sandbox(), live])).toEqual([{ type: "requeueAfter", ms: 30_000 }]);
    // No timer beyond 10 minutes, whatever the deadline.
    expect(plan(pod({ activeDeadlineSeconds: 30 * 86_400 }, {}, { phase: "Running", startTime }), [sandbox(), live])).toEqual([{ type: "requeueAfter", ms: 600_000 }]);
  });

  it("a changed image restarts the running container with it, whatever the restart policy", () => {
    for (const restartPolicy of ["Always", "OnFailure", "Never"] as const) {
      const live = ctr("running", { restartCount: 2 });
      expect(plan(pod({ restartPolicy, containers: [{ name: "c", image: "img:v2" }] }), [sandbox(), live])).toEqual([
        { type: "killContainer", id: live.id, container: "c", reason: "DefinitionChanged", message: "Container c definition changed, will be restarted", gracePeriodSeconds: 5 },
        { type: "startContainer", container: "c", restartCount: 3 },
      ]);
    }
  });

  it("deletion: kill the whole pod with the deletion grace period and delete the object", () => {
    const p = pod({}, { deletionTimestamp: iso(0), deletionGracePeriodSeconds: 2 });
    expect(plan(p, [sandbox(), ctr("running")])).toEqual([{ type: "killPod", reason: "Deleted", gracePeriodSeconds: 2, deletePod: true }]);
  });

  const restartCases: { name: string; policy?: "Always" | "OnFailure" | "Never"; exitCode: number; restart: boolean }[] = [
    { name: "Always restarts a failure", policy: "Always", exitCode: 1, restart: true },
    { name: "Always restarts a success", policy: "Always", exitCode: 0, restart: true },
    { name: "default policy is Always", exitCode: 0, restart: true },
    { name: "OnFailure restarts a failure", policy: "OnFailure", exitCode: 2, restart: true },
    { name: "OnFailure leaves a success", policy: "OnFailure", exitCode: 0, restart: false },
    { name: "Never leaves a failure", policy: "Never", exitCode: 1, restart: false },
  ];
  for (const c of restartCases) {
    it(`restart policy: ${c.name}`, () => {
      const dead = ctr("exited", { exitCode: c.exitCode, restartCount: 0 });
      const a = plan(pod(c.policy ? { restartPolicy: c.policy } : {}), [sandbox(), dead]);
      if (c.restart) {
        expect(a).toContainEqual({ type: "startContainer", container: "c", restartCount: 1 });
        expect(a).toContainEqual({ type: "setBackoff", key: "u1/c", entry: { delayMs: 0, containerId: dead.id } });
      } else expect(a).toEqual([]);
    });
  }

  it("second crash in a row waits the base delay (CrashLoopBackOff), then restarts", () => {
    const dead = ctr("exited", { restartCount: 1, finishedAt: iso(200), startedAt: iso(400) });
    const backoff = new Map<string, BackoffEntry>([["u1/c", { delayMs: 0, containerId: "older" }]]);
    const a = plan(pod(), [sandbox(), dead], { backoff });
    expect(a).toContainEqual({ type: "setBackoff", key: "u1/c", entry: { delayMs: 1000, containerId: dead.id } });
    expect(a.find((x) => x.type === "waiting")).toMatchObject({ reason: "CrashLoopBackOff", container: "c" });
    expect(a).toContainEqual({ type: "requeueAfter", ms: 800 });
    expect(types(a)).not.toContain("startContainer");
    // once the delay is over the same instance is restarted with restartCount + 1
    const later = plan(pod(), [sandbox(), dead], { backoff: new Map([["u1/c", { delayMs: 1000, containerId: dead.id }]]), now: NOW + 1000 });
    expect(later).toEqual([{ type: "startContainer", container: "c", restartCount: 2 }]);
  });

  it("back-off doubles to the cap and resets after a long run", () => {
    const cfg = { baseMs: 1000, capMs: 8000, resetAfterMs: 60_000 };
    const seqDelays: number[] = [];
    let e: BackoffEntry | undefined;
    for (let i = 0; i < 6; i++) {
      const d = nextRestartDelay(e, 100, cfg);
      seqDelays.push(d);
      e = { delayMs: d };
    }
    expect(seqDelays).toEqual([0, 1000, 2000, 4000, 8000, 8000]);
    expect(nextRestartDelay({ delayMs: 8000 }, 60_000, cfg)).toBe(0);
    expect(nextPullBackoff(undefined, 0, "m", cfg)).toEqual({ delayMs: 1000, untilMs: 1000, message: "m", reason: "ErrImagePull", failures: 1 });
    expect(nextPullBackoff({ delayMs: 4000 }, 10, "m", cfg).delayMs).toBe(8000);
  });

  it("liveness failure: kill and restart at once", () => {
    const live = ctr("running", { restartCount: 3 });
    const a = plan(pod(), [sandbox(), live], { unhealthy: new Set([live.id]) });
    expect(types(a)).toEqual(["killContainer", "startContainer"]);
    expect(a[0]).toMatchObject({ reason: "Unhealthy", id: live.id, gracePeriodSeconds: 5 });
    expect(a[1]).toEqual({ type: "startContainer", container: "c", restartCount: 4 });
  });

  it("liveness failure with restartPolicy Never: kill only", () => {
    const live = ctr("running");
    expect(types(plan(pod({ restartPolicy: "Never" }), [sandbox(), live], { unhealthy: new Set([live.id]) }))).toEqual(["killContainer"]);
  });

  it("a dead sandbox is replaced and running containers are restarted in the new one", () => {
    const live = ctr("running", { restartCount: 0 });
    const a = plan(pod(), [sandbox("exited"), live]);
    expect(types(a)).toEqual(["killContainer", "removeContainer", "createSandbox", "startContainer"]);
    expect(a[0]).toMatchObject({ reason: "SandboxChanged" });
    expect(a.at(-1)).toEqual({ type: "startContainer", container: "c", restartCount: 1 });
  });

  it("a container removed behind the kubelet's back is recreated, counting a restart", () => {
    const p = pod({}, {}, { containerStatuses: [{ name: "c", ready: true, restartCount: 2, image: "img:v1", containerID: "docker://gone", state: { running: {} } }] });
    expect(plan(p, [sandbox()])).toEqual([{ type: "startContainer", container: "c", restartCount: 3 }]);
  });

  it("keeps only the newest dead instance, removes never-started and duplicate ones", () => {
    const old = ctr("exited", { createdAt: NOW - 40_000 });
    const newer = ctr("exited", { createdAt: NOW - 30_000 });
    const created = ctr("created", { createdAt: NOW - 20_000, restartCount: 2 });
    const a = plan(pod({ restartPolicy: "Never" }), [sandbox(), old, newer, created]);
    expect(a).toContainEqual({ type: "removeContainer", id: created.id, container: "c" });
    expect(a).toContainEqual({ type: "removeContainer", id: old.id, container: "c" });
    expect(a).not.toContainEqual({ type: "removeContainer", id: newer.id, container: "c" });
    const r1 = ctr("running", { createdAt: NOW - 5000 });
    const r2 = ctr("running", { createdAt: NOW - 9000 });
    expect(plan(pod(), [sandbox(), r1, r2])).toEqual([{ type: "removeContainer", id: r2.id, container: "c" }]);
  });

  it("image pull back-off holds the start and reports ImagePullBackOff", () => {
    const first = plan(pod(), [], { backoff: new Map([["u1/c/pull", { delayMs: 1000, untilMs: NOW + 500, message: "not found", reason: "ErrImagePull", failures: 1 }]]) });
    expect(first).toContainEqual({ type: "waiting", container: "c", reason: "ErrImagePull", message: "not found" });
    const never = plan(pod(), [], { backoff: new Map([["u1/c/pull", { delayMs: 4000, untilMs: NOW + 500, message: "m", reason: "ErrImageNeverPull", failures: 3 }]]) });
    expect(never).toContainEqual({ type: "waiting", container: "c", reason: "ErrImageNeverPull", message: "m" });
    const backoff = new Map<string, BackoffEntry>([["u1/c/pull", { delayMs: 2000, untilMs: NOW + 1500, message: "not found", failures: 2 }]]);
    const a = plan(pod(), [], { backoff });
    expect(a).toContainEqual({ type: "waiting", container: "c", reason: "ImagePullBackOff", message: "Back-off pulling image: not found" });
    expect(a).toContainEqual({ type: "requeueAfter", ms: 1500 });
    expect(types(a)).not.toContain("createSandbox");
  });

  it("a finished pod stops its sandbox and restarts nothing", () => {
    const p = pod({ restartPolicy: "Never" }, {}, { phase: "Succeeded" });
    expect(plan(p, [sandbox(), ctr("exited", { exitCode: 0 })])).toEqual([
      { type: "killContainer", id: "sb1", container: "POD", reason: "PodCompleted", message: "pod has finished", gracePeriodSeconds: 0 },
    ]);
  });

  it("containers no longer in the spec are removed; old sandboxes too", () => {
    const stray = ctr("running", { containerName: "gone" });
    const a = plan(pod(), [sandbox("running", "sb1", 1000), sandbox("exited", "sb0", 90_000), ctr("running"), stray]);
    expect(a).toEqual([
      { type: "removeContainer", id: "sb0", container: "POD" },
      { type: "removeContainer", id: stray.id, container: "gone" },
    ]);
  });
});

describe("planPod: init containers", () => {
  const inits = { initContainers: [{ name: "i1", image: "img:v1" }, { name: "i2", image: "img:v1" }] };
  const withInit = (over: Partial<Pod["spec"]> = {}, status?: Pod["status"]): Pod => pod({ ...inits, ...over }, {}, status);
  const done = (name: string, o: Partial<ObservedContainer> = {}): ObservedContainer => ctr("exited", { containerName: name, exitCode: 0, ...o });

  it("a new pod starts the sandbox and only the first init container", () => {
    expect(plan(withInit(), [])).toEqual([
      { type: "createSandbox", attempt: 0 },
      { type: "startContainer", container: "i1", restartCount: 0 },
    ]);
  });

  const orderCases: { name: string; observed: () => ObservedContainer[]; want: PodAction[] }[] = [
    { name: "waits while the first one runs", observed: () => [sandbox(), ctr("running", { containerName: "i1" })], want: [] },
    { name: "starts the second once the first completed", observed: () => [sandbox(), done("i1")], want: [{ type: "startContainer", container: "i2", restartCount: 0 }] },
    { name: "waits while the second one runs", observed: () => [sandbox(), done("i1"), ctr("running", { containerName: "i2" })], want: [] },
    { name: "starts app containers only after all completed", observed: () => [sandbox(), done("i1"), done("i2")], want: [{ type: "startContainer", container: "c", restartCount: 0 }] },
    { name: "keeps completed init instances once the app runs", observed: () => [sandbox(), done("i1"), done("i2"), ctr("running")], want: [] },
    { name: "does not re-run init once an app container exists in the sandbox", observed: () => [sandbox(), ctr("running")], want: [] },
  ];
  for (const c of orderCases) it(`order: ${c.name}`, () => expect(plan(withInit(), c.observed())).toEqual(c.want));

  const failCases: { policy: "Always" | "OnFailure" | "Never"; restart: boolean }[] = [
    { policy: "Always", restart: true },
    { policy: "OnFailure", restart: true },
    { policy: "Never", restart: false },
  ];
  for (const c of failCases) {
    it(`a failed init container under restartPolicy ${c.policy}: ${c.restart ? "restarted" : "left (the pod fails)"}`, () => {
      const failed = ctr("exited", { containerName: "i1", exitCode: 1 });
      const a = plan(withInit({ restartPolicy: c.policy }), [sandbox(), failed]);
      if (c.restart) {
        expect(a).toEqual([
          { type: "setBackoff", key: "u1/i1", entry: { delayMs: 0, containerId: failed.id } },
          { type: "startContainer", container: "i1", restartCount: 1 },
        ]);
      } else expect(a).toEqual([]);
    });
  }

  it("a crash-looping init container waits out the back-off (CrashLoopBackOff), apps stay unstarted", () => {
    const failed = ctr("exited", { containerName: "i1", exitCode: 1, restartCount: 1, startedAt: iso(400), finishedAt: iso(200) });
    const backoff = new Map<string, BackoffEntry>([["u1/i1", { delayMs: 0, containerId: "older" }]]);
    const a = plan(withInit(), [sandbox(), failed], { backoff });
    expect(a.find((x) => x.type === "waiting")).toMatchObject({ container: "i1", reason: "CrashLoopBackOff" });
    expect(a).toContainEqual({ type: "requeueAfter", ms: 800 });
    expect(types(a)).not.toContain("startContainer");
    const later = plan(withInit(), [sandbox(), failed], { backoff: new Map([["u1/i1", { delayMs: 1000, containerId: failed.id }]]), now: NOW + 1000 });
    expect(later).toEqual([{ type: "startContainer", container: "i1", restartCount: 2 }]);
  });

  it("a re-created sandbox re-runs init from the first init container, then the next one", () => {
    const app = ctr("running");
    const a = plan(withInit(), [sandbox("exited"), done("i1"), done("i2"), app]);
    expect(a).toEqual([
      { type: "killContainer", id: app.id, container: "c", reason: "SandboxChanged", message: "pod sandbox changed, it will be killed and re-created", gracePeriodSeconds: 5 },
      { type: "removeContainer", id: "sb1", container: "POD" },
      { type: "createSandbox", attempt: 1 },
      { type: "startContainer", container: "i1", restartCount: 1 },
    ]);
    // in the new sandbox: i1 done there, i2 only done in the old one -> i2 runs again, the app waits
    const oldI2 = done("i2", { createdAt: NOW - 50_000 });
    const b = plan(withInit(), [sandbox("running", "sb2", 1000), sandbox("exited", "sb1", 90_000), done("i1", { sandboxId: "sb2", restartCount: 1, createdAt: NOW - 900 }), oldI2, ctr("exited", { exitCode: 137 })]);
    expect(b).toEqual([
      { type: "removeContainer", id: "sb1", container: "POD" },
      { type: "startContainer", container: "i2", restartCount: 1 },
    ]);
  });

  it("an init container's image-pull back-off holds the pod before its sandbox", () => {
    const backoff = new Map<string, BackoffEntry>([["u1/i1/pull", { delayMs: 2000, untilMs: NOW + 1500, message: "not found", failures: 2 }]]);
    expect(plan(withInit(), [], { backoff })).toEqual([
      { type: "waiting", container: "i1", reason: "ImagePullBackOff", message: "Back-off pulling image: not found" },
      { type: "requeueAfter", ms: 1500 },
    ]);
  });

  describe("without a sandbox (withoutSandbox: the runtime can give a pod's only container its own network)", () => {
    const solo = (o: Partial<ObservedContainer> = {}): ObservedContainer => ctr("running", { sandboxId: undefined, ip: "10.244.0.5", ...o });
    const opts = { withoutSandbox: true };

    it("needsSandbox: only a pod of one container, with no init containers and no pod IP in env, goes without", () => {
      expect(needsSandbox(pod())).toBe(false);
      expect(needsSandbox(pod({ containers: [{ name: "a", image: "i" }, { name: "b", image: "i" }] }))).toBe(true);
      expect(needsSandbox(pod({ initContainers: [{ name: "i", image: "i" }] }))).toBe(true);
      expect(needsSandbox(pod({ containers: [{ name: "c", image: "i", env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] }] }))).toBe(true);
      expect(needsSandbox(pod({ containers: [{ name: "c", image: "i", env: [{ name: "IPS", valueFrom: { fieldRef: { fieldPath: "status.podIPs" } } }] }] }))).toBe(true);
    });

    it("a new pod: the container alone, no sandbox", () => {
      expect(plan(pod(), [], opts)).toEqual([{ type: "startContainer", container: "c", restartCount: 0 }]);
    });

    it("steady state: nothing to do (no SandboxChanged for a container that holds its own network)", () => {
      expect(plan(pod(), [solo()], opts)).toEqual([]);
    });

    it("a crash restarts the container alone, counting one more", () => {
      const dead = solo({ state: "exited", exitCode: 1, finishedAt: iso(1000), restartCount: 0 });
      expect(types(plan(pod(), [dead], opts))).toEqual(["setBackoff", "startContainer"]);
      expect(plan(pod(), [dead], opts).at(-1)).toEqual({ type: "startContainer", container: "c", restartCount: 1 });
    });

    it("a pod that needs a sandbox gets one as before", () => {
      const two = pod({ containers: [{ name: "a", image: "i" }, { name: "b", image: "i" }] });
      expect(types(plan(two, [], opts))).toEqual(["createSandbox", "startContainer", "startContainer"]);
    });

    it("a pod that already has a sandbox (from before) keeps it", () => {
      expect(plan(pod(), [sandbox(), ctr("running")], opts)).toEqual([]);
      expect(types(plan(pod(), [sandbox("exited"), ctr("exited")], opts))).toContain("createSandbox");
    });

    it("a finished pod's container is not restarted", () => {
      const done = solo({ state: "exited", exitCode: 0, finishedAt: iso(1000) });
      expect(plan(pod({ restartPolicy: "OnFailure" }), [done], opts)).toEqual([]);
    });
  });
});

