/**
 * What an image pull writes, on a real API server with the kubelet on a fake runtime and an
 * injected clock (the pull is held and fed progress by the test): a pull over within the report
 * interval writes no progress at all; a long one shows its bytes in the container's waiting
 * message at most once per interval, the latest numbers only; Pulling/Pulled are worded as
 * Kubernetes' (and `kctl describe pod` shows the waiting message); a failing pull gives Failed (the engine's message, Error: ErrImagePull), then
 * BackOff with Error: ImagePullBackOff. The real-engine side is test/e2e/kubelet-pull-progress.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../lib/clock.js";
import type { Event, Pod } from "../../lib/types.js";
import type { Kubelet } from "../../kubelet/index.js";
import { startFakeKubelet } from "../helpers/fake-kubelet.js";
import { kctl } from "../helpers/cli.js";
import { FakeRuntime } from "../helpers/fake-runtime.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const NODE = "pull-node";
let srv: TestServer;
let clock: FakeClock;
let fake: FakeRuntime;
let kubelet: Kubelet;

beforeAll(async () => {
  srv = await startTestServer();
  clock = new FakeClock(Date.now());
  fake = new FakeRuntime(clock, ["app:v1"]);
  kubelet = await startFakeKubelet(srv, NODE, fake, clock);
});
afterAll(async () => {
  await kubelet?.stop();
  await srv?.close();
});

function pod(name: string, image: string, policy: "Always" | "IfNotPresent"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, imagePullPolicy: policy }] },
  };
}

const get = (name: string) => srv.client.get<Pod>("Pod", name, "default").catch(() => undefined);
const waitingOf = (p: Pod | undefined) => p?.status?.containerStatuses?.[0]?.state?.waiting;

async function waitPod(name: string, what: string, ok: (p: Pod) => boolean): Promise<Pod> {
  return eventually(`${name}: ${what}`, async () => {
    const p = await get(name);
    return p && ok(p) ? p : undefined;
  }, { timeoutMs: 10_000, intervalMs: 20 });
}

async function eventsOf(name: string): Promise<Event[]> {
  return (await srv.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === name);
}

/** Every container waiting message the pod's watch shows, in order, from before it exists. */
function watchMessages(name: string): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const h = srv.client.watch<Pod>("Pod", { namespace: "default", fieldSelector: `metadata.name=${name}` }, (ev) => {
    const m = waitingOf(ev.object)?.message;
    if (m && messages[messages.length - 1] !== m) messages.push(m);
  });
  return { messages, stop: () => h.stop() };
}

const running = (p: Pod) => Boolean(p.status?.containerStatuses?.[0]?.state?.running);

describe("image pull status and events", () => {
  it("a pull over within the report interval writes no progress to the pod", async () => {
    const w = watchMessages("quick");
    try {
      await srv.client.create(pod("quick", "app:v1", "Always")); // present, pulled again: instant
      await waitPod("quick", "running", running);
    } finally {
      w.stop();
    }
    expect(fake.ops("pullImage").some((c) => c.detail === "app:v1")).toBe(true);
    expect(w.messages.filter((m) => m.startsWith("Pulling image"))).toEqual([]);
    const pulled = await eventually("Pulled event", async () => (await eventsOf("quick")).find((e) => e.reason === "Pulled"));
    expect(pulled.message).toMatch(/^Successfully pulled image "app:v1" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: 1000000 bytes\.$/);
  });

  it("a long pull: bytes in the waiting message after the interval, then at most once per interval, the latest numbers only", async () => {
    const held = fake.holdPull("big:v1");
    const w = watchMessages("slow");
    try {
      await srv.client.create(pod("slow", "big:v1", "IfNotPresent"));
      await eventually("the pull started", () => held.started);
      held.progress({ id: "l1", status: "Pulling fs layer" });
      held.progress({ id: "l1", status: "Downloading", progressDetail: { current: 10e6, total: 100e6 } });
      clock.advance(1000);
      const first = await waitPod("slow", "first progress", (p) => waitingOf(p)?.message === 'Pulling image "big:v1" (10.0 MB / 100 MB)');
      expect(waitingOf(first)?.reason).toBe("ContainerCreating");
      for (const current of [20e6, 30e6, 40e6]) held.progress({ id: "l1", status: "Downloading", progressDetail: { current, total: 100e6 } });
      clock.advance(1000);
      await waitPod("slow", "second progress", (p) => waitingOf(p)?.message === 'Pulling image "big:v1" (40.0 MB / 100 MB)');
      // the pull is held: kctl describe pod shows it in the container's state lines and events
      await eventually("Pulling event", async () => (await eventsOf("slow")).some((e) => e.reason === "Pulling"));
      const described = await kctl(["--server", srv.url, "--token", srv.token, "describe", "pod", "slow"]);
      expect(described.stdout).toMatch(/State:\s+Waiting\n\s+Reason:\s+ContainerCreating\n\s+Message:\s+Pulling image "big:v1" \(40\.0 MB \/ 100 MB\)\n/);
      expect(described.stdout).toMatch(/Normal\s+Pulling\s+.*Pulling image "big:v1"/);
      held.progress({ id: "l1", status: "Download complete" });
      held.finish();
      await waitPod("slow", "running", running);
    } finally {
      w.stop();
    }
    // nothing at the start (no bytes yet, and maybe no pull worth showing), 20 and 30 MB coalesced
    // into 40, and 100 MB not written: the pull ended before the next interval
    expect(w.messages).toEqual(['Pulling image "big:v1" (10.0 MB / 100 MB)', 'Pulling image "big:v1" (40.0 MB / 100 MB)']);
    const events = await eventually("Pulling and Pulled", async () => {
      const e = await eventsOf("slow");
      return e.some((x) => x.reason === "Pulled") ? e : undefined;
    });
    expect(events.find((e) => e.reason === "Pulling")?.message).toBe('Pulling image "big:v1"');
    expect(events.find((e) => e.reason === "Pulled")?.message).toBe('Successfully pulled image "big:v1" in 2s (2s including waiting). Image size: 1000000 bytes.');
  });

  it("the pull's message goes with the pull: a pod that still cannot start says why, not the last bytes", async () => {
    const held = fake.holdPull("stuck:v1");
    fake.sandboxStartError = "failed to set up the pod network";
    try {
      await srv.client.create(pod("stuck", "stuck:v1", "IfNotPresent"));
      await eventually("the pull started", () => held.started);
      held.progress({ id: "l1", status: "Downloading", progressDetail: { current: 5e6, total: 10e6 } });
      clock.advance(1000);
      await waitPod("stuck", "progress", (p) => waitingOf(p)?.message === 'Pulling image "stuck:v1" (5.0 MB / 10.0 MB)');
      held.progress({ id: "l1", status: "Download complete" });
      held.finish();
      // the sandbox keeps failing: the next syncs (on the back-off) report that, not the pull
      const p = await eventually("the sandbox failure as the waiting message", async () => {
        clock.advance(500);
        const x = await get("stuck");
        return waitingOf(x)?.message === "failed to set up the pod network" ? x : undefined;
      }, { timeoutMs: 10_000, intervalMs: 50 });
      expect(waitingOf(p)?.reason).toBe("ContainerCreating");
    } finally {
      fake.sandboxStartError = undefined;
      held.finish();
    }
    await eventually("running once the sandbox starts", async () => {
      clock.advance(500);
      const x = await get("stuck");
      return x && running(x);
    }, { timeoutMs: 10_000, intervalMs: 50 });
  });

  it("a failing pull: Failed with the engine's message and Error: ErrImagePull, then BackOff with Error: ImagePullBackOff", async () => {
    fake.unpullable.add("gone:v1");
    await srv.client.create(pod("gone", "gone:v1", "IfNotPresent"));
    await waitPod("gone", "ErrImagePull", (p) => waitingOf(p)?.reason === "ErrImagePull");
    const backoff = await eventually("ImagePullBackOff", async () => {
      clock.advance(500); // the back-off's retries run on the fake clock
      const p = await get("gone");
      return waitingOf(p)?.reason === "ImagePullBackOff" ? p : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50 });
    expect(waitingOf(backoff)?.message).toMatch(/^Back-off pulling image: Failed to pull image "gone:v1": pull access denied for gone:v1/);
    const events = await eventually("BackOff events", async () => {
      const e = await eventsOf("gone");
      return e.some((x) => x.message === "Error: ImagePullBackOff") ? e : undefined;
    });
    const lines = events.map((e) => `${e.type} ${e.reason} ${e.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Normal Pulling Pulling image "gone:v1"',
        'Warning Failed Failed to pull image "gone:v1": pull access denied for gone:v1, repository does not exist',
        "Warning Failed Error: ErrImagePull",
        'Normal BackOff Back-off pulling image "gone:v1"',
        "Warning Failed Error: ImagePullBackOff",
      ]),
    );
  });
});
