/**
 * Pods without a sandbox (`podSandbox: "when-needed"`), on a fake runtime and clock against a
 * real API server: a pod of one container is created and started as that one container, which
 * holds the pod IP; a restart asks for the same IP and gets it; if something else took the IP
 * meanwhile, the container is made again with a new one and the status follows; pods that need a
 * sandbox (two containers, init containers, the pod IP in env) still get one. The real engine's
 * side (hostname, ports, DNS, restarts) is test/e2e/kubelet-pod-sandbox.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import type { Container, Pod } from "../../lib/types.js";
import type { Kubelet } from "../../kubelet/index.js";
import { fakeNodePod, startFakeKubelet, waitPodWith } from "../helpers/fake-kubelet.js";
import { FakeRuntime } from "../helpers/fake-runtime.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const NODE = "fake-solo-node";
let srv: TestServer;
let clock: FakeClock;
let fake: FakeRuntime;
let kubelet: Kubelet;

beforeAll(async () => {
  srv = await startTestServer();
  clock = new FakeClock(Date.now());
  fake = new FakeRuntime(clock, ["app:v1", "init:v1"]);
  fake.script("init:v1", { exitAfterMs: 100, exitCode: 0 });
  kubelet = await startFakeKubelet(srv, NODE, fake, clock, { podSandbox: "when-needed" });
});
afterAll(async () => {
  await kubelet?.stop();
  await srv?.close();
});

const pod = (name: string, containers: Partial<Container>[], spec: Partial<Pod["spec"]> = {}): Pod => fakeNodePod(NODE, name, containers, spec);

const waitPod = (name: string, what: string, ok: (p: Pod) => boolean): Promise<Pod> => waitPodWith(srv.client, name, what, ok);
const ready = (restarts: number) => (p: Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true && p.status?.containerStatuses?.[0]?.restartCount === restarts;
const running = (name: string) => fake.podContainers(name).find((c) => c.state === "running")!;
const opsOf = (name: string): string[] => fake.calls.filter((c) => c.podName === name).map((c) => c.op);

describe("kubelet: pods without a sandbox", () => {
  it("a pod of one container is created and started as that container, which holds the pod IP", async () => {
    await srv.client.create(pod("solo", [{}]));
    const p = await waitPod("solo", "Ready", ready(0));
    expect(opsOf("solo")).toEqual(["createContainer", "startContainer"]);
    const c = running("solo");
    expect(c.sandboxId).toBeUndefined();
    expect(p.status?.podIP).toBe(c.ip);
  });

  it("a restart gets the same pod IP back", async () => {
    const before = (await waitPod("solo", "Ready", ready(0))).status!.podIP;
    clock.advance(100); // instances are told apart by their creation times
    fake.crash(running("solo").id);
    const p = await waitPod("solo", "Ready after one restart", ready(1));
    expect(p.status?.podIP).toBe(before);
    expect(running("solo").ip).toBe(before);
  });

  it("an IP taken meanwhile: the container is made again with a new one, and the status follows", async () => {
    const before = (await waitPod("solo", "Ready", ready(1))).status!.podIP!;
    fake.takenIPs.add(before);
    try {
      clock.advance(100);
      fake.crash(running("solo").id);
      await waitPod("solo", "CrashLoopBackOff", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff");
      clock.advance(1000); // the second restart waits out the 1 s back-off
      const p = await waitPod("solo", "Ready on a new IP", (x) => ready(2)(x) && x.status?.podIP !== before);
      expect(running("solo").ip).toBe(p.status?.podIP);
      // the attempt on the old IP was removed; one dead instance is kept for --previous
      expect(fake.podContainers("solo").map((c) => c.state).sort()).toEqual(["exited", "running"]);
    } finally {
      fake.takenIPs.delete(before);
    }
  });

  it("pods that need a sandbox still get one: two containers, init containers, the pod IP in env", async () => {
    await srv.client.create(pod("two", [{}, {}]));
    await srv.client.create(pod("init", [{}], { initContainers: [{ name: "i", image: "init:v1", imagePullPolicy: "IfNotPresent" }] }));
    await srv.client.create(pod("ipenv", [{ env: [{ name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] }]));
    for (const name of ["two", "ipenv"]) await waitPod(name, "Ready", ready(0));
    clock.advance(200); // the init container's run
    await waitPod("init", "Ready", ready(0));
    for (const name of ["two", "init", "ipenv"]) {
      expect(opsOf(name)).toContain("createSandbox");
      for (const c of fake.podContainers(name).filter((x) => x.role === "container")) expect(c.sandboxId).toBeDefined();
    }
  });
});
