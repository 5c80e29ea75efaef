/**
 * The kubelet against a real API server and a fake runtime (test/helpers/fake-runtime.ts) with
 * an injected clock: sync and status, restart policy, crash back-off, probes, init containers
 * and termination order, in seconds and without Docker. What only Docker shows stays in the
 * real-engine e2e tests (test/e2e/kubelet-*).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import type { Container, Event, Pod } from "../../lib/types.js";
import type { Kubelet } from "../../kubelet/index.js";
import { fakeNodePod, startFakeKubelet, waitPodWith } from "../helpers/fake-kubelet.js";
import { FakeRuntime } from "../helpers/fake-runtime.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const NODE = "fake-node";
let srv: TestServer;
let clock: FakeClock;
let fake: FakeRuntime;
let kubelet: Kubelet;

beforeAll(async () => {
  srv = await startTestServer();
  clock = new FakeClock(Date.now());
  fake = new FakeRuntime(clock, ["app:v1", "crash:v1", "done:v1", "init:v1", "stubborn:v1"]);
  fake.script("crash:v1", { exitAfterMs: 100, exitCode: 1 });
  fake.script("done:v1", { exitAfterMs: 100, exitCode: 0 });
  fake.script("init:v1", { exitAfterMs: 500, exitCode: 0 });
  fake.script("stubborn:v1", { ignoreTerm: true });
  kubelet = await startFakeKubelet(srv, NODE, fake, clock);
});
afterAll(async () => {
  await kubelet?.stop();
  await srv?.close();
});

const pod = (name: string, containers: Partial<Container>[], spec: Partial<Pod["spec"]> = {}): Pod => fakeNodePod(NODE, name, containers, spec);

async function get(name: string): Promise<Pod | undefined> {
  return srv.client.get<Pod>("Pod", name, "default").catch(() => undefined);
}

const waitPod = (name: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 5_000): Promise<Pod> => waitPodWith(srv.client, name, what, ok, timeoutMs);

async function events(name: string): Promise<Event[]> {
  return (await srv.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === name);
}

/** Advance the fake clock, then let the kubelet react (real I/O to the API server). */
function advance(ms: number): void {
  clock.advance(ms);
}

describe("kubelet on a fake runtime", () => {
  it("syncs a pod: sandbox then container, Running and Ready, pod IP from the sandbox, events", async () => {
    await srv.client.create(pod("web", [{}]));
    const p = await waitPod("web", "Running and Ready", (x) => x.status?.phase === "Running" && x.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true);
    expect(p.status?.podIP).toMatch(/^10\.88\.0\.\d+$/);
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ name: "c0", ready: true, restartCount: 0, image: "app:v1" });
    const order = fake.calls.filter((c) => c.podName === "web").map((c) => `${c.op}:${c.container}`);
    // the container is created while the sandbox starts (pipelined); it starts only in a started sandbox
    expect(order[0]).toBe("createSandbox:POD");
    expect(order.slice(0, 4).sort()).toEqual(["createContainer:c0", "createSandbox:POD", "startContainer:c0", "startSandbox:POD"]);
    expect(order.indexOf("startContainer:c0")).toBeGreaterThan(order.indexOf("startSandbox:POD"));
    const reasons = await eventually("Pulled/Created/Started events", async () => {
      const r = (await events("web")).map((e) => e.reason);
      return ["Pulled", "Created", "Started"].every((x) => r.includes(x)) ? r : undefined;
    });
    const pulled = (await events("web")).find((e) => e.reason === "Pulled");
    expect(pulled?.message).toBe('Container image "app:v1" already present on machine');
    expect(reasons).toContain("Started");
  });

  it("restartPolicy Always: a crash is restarted at once, then waits out a doubling back-off (CrashLoopBackOff)", async () => {
    await srv.client.create(pod("crash", [{ image: "crash:v1" }]));
    await waitPod("crash", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    advance(100); // exits with 1: the first restart is immediate
    await waitPod("crash", "restartCount 1", (x) => x.status?.containerStatuses?.[0]?.restartCount === 1 && Boolean(x.status.containerStatuses[0]!.state?.running));
    advance(100); // exits again: now back-off 1 s
    const waiting = await waitPod("crash", "CrashLoopBackOff", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff");
    expect(waiting.status!.containerStatuses![0]!.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    const starts = (): number => fake.ops("startContainer").filter((c) => c.podName === "crash").length;
    const before = starts();
    advance(900);
    await new Promise((r) => setTimeout(r, 100));
    expect(starts()).toBe(before); // not before the back-off is over
    advance(150);
    await waitPod("crash", "restartCount 2", (x) => x.status?.containerStatuses?.[0]?.restartCount === 2);
    advance(100); // third crash: back-off 2 s
    await waitPod("crash", "CrashLoopBackOff again", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff");
    advance(1_500);
    await new Promise((r) => setTimeout(r, 100));
    expect(starts()).toBe(before + 1);
    advance(600);
    await waitPod("crash", "restartCount 3", (x) => x.status?.containerStatuses?.[0]?.restartCount === 3);
  });

  it("restartPolicy OnFailure: exit 0 ends the pod Succeeded; Never: exit 1 ends it Failed, not restarted", async () => {
    await srv.client.create(pod("ok", [{ image: "done:v1" }], { restartPolicy: "OnFailure" }));
    await srv.client.create(pod("never", [{ image: "crash:v1" }], { restartPolicy: "Never" }));
    await waitPod("ok", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    await waitPod("never", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    advance(100);
    const ok = await waitPod("ok", "Succeeded", (x) => x.status?.phase === "Succeeded");
    expect(ok.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const never = await waitPod("never", "Failed", (x) => x.status?.phase === "Failed");
    expect(never.status!.containerStatuses![0]!.restartCount).toBe(0);
    expect(fake.ops("startContainer").filter((c) => c.podName === "never")).toHaveLength(1);
  });

  it("init containers run one at a time, in order, before the app container", async () => {
    await srv.client.create(
      pod("init", [{}], {
        initContainers: [
          { name: "i1", image: "init:v1", imagePullPolicy: "IfNotPresent" },
          { name: "i2", image: "init:v1", imagePullPolicy: "IfNotPresent" },
        ] as Container[],
      }),
    );
    const pending = await waitPod("init", "Init:0/2 running", (x) => Boolean(x.status?.initContainerStatuses?.[0]?.state?.running));
    expect(pending.status?.phase).toBe("Pending");
    advance(500);
    await waitPod("init", "i2 running", (x) => Boolean(x.status?.initContainerStatuses?.[1]?.state?.running));
    advance(500);
    await waitPod("init", "Running", (x) => x.status?.phase === "Running" && Boolean(x.status.containerStatuses?.[0]?.state?.running));
    const order = fake.ops("startContainer", "exited").filter((c) => c.podName === "init").map((c) => `${c.op}:${c.container}`);
    expect(order).toEqual(["startContainer:i1", "exited:i1", "startContainer:i2", "exited:i2", "startContainer:c0"]);
  });

  it("a failing liveness probe restarts the container (Unhealthy, Killing); readiness follows its probe", async () => {
    let healthy = true;
    fake.script("probed:v1", { exec: () => ({ exitCode: healthy ? 0 : 1, output: healthy ? "" : "unhealthy" }) });
    fake.images.add("probed:v1");
    const probe = { exec: { command: ["check"] }, periodSeconds: 1, failureThreshold: 2 };
    await srv.client.create(pod("probed", [{ image: "probed:v1", livenessProbe: probe, readinessProbe: { ...probe, failureThreshold: 1 } }]));
    // readiness is unknown (not Ready) until the first probe, which the clock drives
    await eventually("probed Ready", async () => {
      advance(200);
      const x = await get("probed");
      return x?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, { timeoutMs: 5_000, intervalMs: 20 });
    healthy = false;
    for (let i = 0; i < 3; i++) {
      advance(1_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    const restarted = await waitPod("probed", "restarted by liveness", (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    expect(restarted.status!.containerStatuses![0]!.ready).toBe(false);
    const reasons = (await events("probed")).map((e) => `${e.reason}: ${e.message}`);
    expect(reasons.some((r) => r.startsWith("Unhealthy: Liveness probe failed"))).toBe(true);
    expect(reasons.some((r) => r.startsWith("Killing:"))).toBe(true);
    healthy = true;
  });

  it("termination: preStop, then SIGTERM with the rest of the grace period, SIGKILL at its end, then the object goes and the sandbox last", async () => {
    // The hook takes 400 ms: whole seconds only come off the grace, so SIGTERM still gets all 5.
    fake.script("stubborn:v1", { ignoreTerm: true, exec: () => (advance(400), { exitCode: 0, output: "" }) });
    await srv.client.create(pod("stop", [{ image: "stubborn:v1", lifecycle: { preStop: { exec: { command: ["drain"] } } } }]));
    await waitPod("stop", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    await srv.client.delete("Pod", "stop", { namespace: "default" });
    await eventually("stop signal sent", () => fake.ops("stopContainer").some((c) => c.podName === "stop"), { timeoutMs: 5_000, intervalMs: 20 });
    expect(await get("stop")).toBeDefined(); // still terminating: SIGTERM ignored
    advance(5_000);
    await eventually("pod object gone", async () => !(await get("stop")), { timeoutMs: 5_000, intervalMs: 20 });
    await eventually("containers removed", () => fake.podContainers("stop").length === 0, { timeoutMs: 5_000, intervalMs: 20 });
    const order = fake.calls.filter((c) => c.podName === "stop" && ["exec", "stopContainer", "exited", "removeContainer"].includes(c.op)).map((c) => `${c.op}:${c.container}${c.op === "exited" ? `:${c.detail}` : ""}`);
    expect(order.slice(0, 3)).toEqual(["exec:c0", "stopContainer:c0", "exited:c0:code=137"]);
    expect(fake.ops("stopContainer").find((c) => c.podName === "stop")?.detail).toBe("grace=5");
    expect(order.indexOf("removeContainer:POD")).toBeGreaterThan(order.indexOf("exited:c0:code=137"));
    const reasons = (await events("stop")).map((e) => e.reason);
    expect(reasons).toContain("Killing");
  });

  it("a pod whose termination takes its whole grace period never holds up another pod", async () => {
    await srv.client.create(pod("slow", [{ image: "stubborn:v1" }], { terminationGracePeriodSeconds: 30 }));
    await waitPod("slow", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    await srv.client.delete("Pod", "slow", { namespace: "default" });
    await eventually("slow terminating", () => fake.ops("stopContainer").some((c) => c.podName === "slow"), { timeoutMs: 5_000, intervalMs: 20 });
    await srv.client.create(pod("fast", [{}]));
    await waitPod("fast", "Running while slow terminates", (x) => x.status?.phase === "Running");
    expect(await get("slow")).toBeDefined();
    advance(30_000);
    await eventually("slow gone", async () => !(await get("slow")), { timeoutMs: 5_000, intervalMs: 20 });
  });

  it("a Secret volume lives on a tmpfs; a missing Secret is a FailedMount naming it, and the pod starts once it exists (the watch tells, no retry timer)", async () => {
    await srv.client.create(
      pod("secret-vol", [{ volumeMounts: [{ name: "creds", mountPath: "/etc/creds" }] }], { volumes: [{ name: "creds", secret: { secretName: "creds" } }] }),
    );
    const waiting = await waitPod("secret-vol", "ContainerCreating", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ContainerCreating");
    expect(waiting.status?.phase).toBe("Pending");
    const failed = await eventually("FailedMount", async () => (await events("secret-vol")).find((e) => e.reason === "FailedMount"));
    expect(failed.message).toBe('MountVolume.SetUp failed for volume "creds" : secret "creds" not found');
    await srv.client.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "default" }, data: { password: Buffer.from("s3cret").toString("base64") } });
    // No clock advance: the kubelet's retry timer never fires; its watch of the Secret wakes the pod.
    await waitPod("secret-vol", "Running", (x) => x.status?.phase === "Running");
    const bind = fake.ops("createContainer").find((c) => c.podName === "secret-vol")!.binds![0]!;
    const host = bind.split(":")[0]!;
    expect(bind.endsWith(":/etc/creds:ro")).toBe(true);
    expect(fs.readFileSync(path.join(host, "password"), "utf8")).toBe("s3cret");
    const TMPFS_MAGIC = 0x01021994;
    expect((await fs.promises.statfs(host)).type).toBe(TMPFS_MAGIC);
    await srv.client.delete("Pod", "secret-vol", { namespace: "default", gracePeriodSeconds: 0 });
    await eventually("the in-memory volume removed with the pod", () => !fs.existsSync(host), { timeoutMs: 5_000 });
  });

  it("a missing key in a Secret: CreateContainerConfigError naming the key", async () => {
    await srv.client.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "default" }, data: { user: Buffer.from("u").toString("base64") } });
    await srv.client.create(pod("badkey", [{ env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] }]));
    const p = await waitPod("badkey", "CreateContainerConfigError", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError");
    expect(p.status!.containerStatuses![0]!.state!.waiting!.message).toBe("couldn't find key password in Secret default/db");
    // Adding the key starts the container, again through the watch rather than a retry.
    await srv.client.patch("Secret", "db", { data: { password: Buffer.from("pw").toString("base64") } }, { namespace: "default" });
    await waitPod("badkey", "Running once the key exists", (x) => x.status?.phase === "Running");
    expect(fake.ops("createContainer").find((c) => c.podName === "badkey")?.detail).toContain("PW=pw");
  });

  it("postStart: runs after the start; a missing command is a FailedPostStartHook and the container is killed and restarted", async () => {
    fake.images.add("hooked:v1");
    const ran: string[] = [];
    fake.script("hooked:v1", {
      exec: (cmd) => {
        ran.push(cmd.join(" "));
        return cmd[0] === "nope" ? { exitCode: 127, output: 'exec: "nope": executable file not found in $PATH' } : { exitCode: 0, output: "" };
      },
    });
    await srv.client.create(pod("poststart-ok", [{ image: "hooked:v1", lifecycle: { postStart: { exec: { command: ["warm", "up"] } } } }]));
    await waitPod("poststart-ok", "Running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    expect(ran).toContain("warm up");
    await srv.client.create(pod("poststart-bad", [{ image: "hooked:v1", lifecycle: { postStart: { exec: { command: ["nope"] } } } }]));
    await waitPod("poststart-bad", "restarted after the failed hook", (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    const ev = await eventually("FailedPostStartHook", async () => (await events("poststart-bad")).find((e) => e.reason === "FailedPostStartHook"));
    expect(ev.message).toContain("executable file not found");
  });

  it("a preStop hook that hangs is cut at the grace period; the container is then killed", async () => {
    fake.images.add("hang:v1");
    fake.script("hang:v1", { ignoreTerm: true, exec: () => new Promise(() => undefined) });
    await srv.client.create(pod("hang", [{ image: "hang:v1", lifecycle: { preStop: { exec: { command: ["sleep", "forever"] } } } }], { terminationGracePeriodSeconds: 3 }));
    await waitPod("hang", "running", (x) => Boolean(x.status?.containerStatuses?.[0]?.state?.running));
    await srv.client.delete("Pod", "hang", { namespace: "default" });
    await eventually("preStop running", () => fake.ops("exec").some((c) => c.podName === "hang"), { timeoutMs: 5_000, intervalMs: 20 });
    advance(3_000);
    await eventually("hang gone", async () => !(await get("hang")), { timeoutMs: 5_000, intervalMs: 20 });
    const ev = (await events("hang")).find((e) => e.reason === "FailedPreStopHook");
    expect(ev?.message).toContain("did not finish within 3s");
    // the hook used the whole grace period: SIGKILL at once
    expect(fake.ops("stopContainer").find((c) => c.podName === "hang")?.detail).toBe("grace=0");
  });
});
