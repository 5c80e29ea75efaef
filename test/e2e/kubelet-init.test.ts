/**
 * Kubelet e2e on a real engine: init containers run one at a time, in order, to exit 0 before
 * the app container starts (sharing an emptyDir with it); their output is readable with
 * `kctl logs POD -c INIT`; a failing init container fails a restartPolicy Never pod and is
 * restarted under the crash back-off otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container, ContainerStatus, Event, Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertDockerReady, containersWithLabel, docker, type NodeKubelet, runId, startNodeKubelet, TEST_RUN_LABEL } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const d = docker();
const RUN = runId("kt-init");
const NODE = RUN;
let srv: TestServer;
let node: NodeKubelet | undefined;

const LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done";
const sh = (name: string, script: string): Container => ({ name, image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["/bin/sh", "-c", script] });

function pod(name: string, initContainers: Container[], containers: Container[], extra: Partial<Pod["spec"]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, initContainers, containers, ...extra },
  };
}

const getPod = (name: string): Promise<Pod> => srv.client.get<Pod>("Pod", name, "default");
const initStatus = (p: Pod, name: string): ContainerStatus | undefined => p.status?.initContainerStatuses?.find((s) => s.name === name);
const ms = (iso: string | undefined): number => Date.parse(iso ?? "");

beforeAll(async () => {
  await assertDockerReady(d, ["kctl-test/busybox:v1"]);
  srv = await startTestServer();
  // A node credential and kubelet certificate, so that the API server can proxy `kctl logs`.
  node = await startNodeKubelet(srv, NODE, RUN, { dataDir: `${srv.dataDir}/kubelet`, heartbeatSeconds: 1, backoffBaseMs: 1000 });
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await srv?.close();
});

describe("kubelet: init containers", () => {
  it("run in order to completion before the app container; status, conditions, events, logs", async () => {
    const work = [{ name: "work", mountPath: "/work" }];
    await srv.client.create(
      pod(
        "init-ok",
        [{ ...sh("write", "echo init-one-output; echo written-by-init > /work/msg"), volumeMounts: work }, sh("pause", "sleep 2; echo init-two-output")],
        [{ ...sh("app", `cat /work/msg; ${LOOP}`), volumeMounts: work }],
        { volumes: [{ name: "work", emptyDir: {} }] },
      ),
    );
    const seen: Pod[] = [];
    const running = await eventually("init-ok app container running", async () => {
      const p = await getPod("init-ok");
      seen.push(p);
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, { timeoutMs: 30_000 });

    // While the second init container ran: Pending, not initialized, the app waiting.
    const during = seen.find((p) => initStatus(p, "pause")?.state?.running);
    expect(during, "a status while the second init container ran").toBeDefined();
    expect(during?.status?.phase).toBe("Pending");
    expect(during?.status?.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [pause]" });
    expect(during?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    expect(initStatus(during!, "write")?.state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });

    // Done: both completed (ready, as Kubernetes reports them), one after the other, before the app.
    const [write, pause] = [initStatus(running, "write"), initStatus(running, "pause")];
    expect(write).toMatchObject({ ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    expect(pause).toMatchObject({ ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    const app = running.status!.containerStatuses![0]!;
    expect(ms(write!.state!.terminated!.finishedAt)).toBeLessThanOrEqual(ms(pause!.state!.terminated!.startedAt));
    expect(ms(pause!.state!.terminated!.finishedAt)).toBeLessThanOrEqual(ms(app.state!.running!.startedAt));
    expect(ms(pause!.state!.terminated!.finishedAt) - ms(pause!.state!.terminated!.startedAt)).toBeGreaterThanOrEqual(1900);
    const ready = await eventually("init-ok Running and Ready", async () => {
      const p = await getPod("init-ok");
      return p.status?.phase === "Running" && p.status.conditions?.find((c) => c.type === "Ready")?.status === "True" ? p : undefined;
    });
    expect(ready.status?.conditions?.find((c) => c.type === "Initialized")?.status).toBe("True");

    // The completed init containers are kept (logs), and never re-run.
    const instances = (await containersWithLabel(d, TEST_RUN_LABEL, RUN)).filter((c) => c.Labels["io.kubernetes.pod.name"] === "init-ok");
    expect(instances.map((c) => c.Labels["io.kubernetes.container.name"]).sort()).toEqual(["POD", "app", "pause", "write"]);

    const events = await eventually("Started event of the app container", async () => {
      const list = await srv.client.list<Event>("Event", { namespace: "default" });
      const mine = list.items.filter((e) => e.involvedObject.name === "init-ok");
      return mine.some((e) => e.reason === "Started" && e.involvedObject.fieldPath === "spec.containers{app}") ? mine : undefined;
    });
    for (const name of ["write", "pause"]) {
      for (const reason of ["Created", "Started"]) {
        expect(events.some((e) => e.reason === reason && e.involvedObject.fieldPath === `spec.initContainers{${name}}`), `${reason} ${name}`).toBe(true);
      }
    }

    const args = (...a: string[]): string[] => ["--server", srv.url, "--token", srv.token, ...a];
    expect(await kctl(args("logs", "init-ok", "-c", "write"))).toMatchObject({ code: 0, stdout: "init-one-output\n" });
    expect(await kctl(args("logs", "init-ok", "-c", "pause"))).toMatchObject({ code: 0, stdout: "init-two-output\n" });
    // the app read what the first init container wrote into the shared emptyDir
    expect(await kctl(args("logs", "init-ok", "-c", "app"))).toMatchObject({ code: 0, stdout: "written-by-init\n" });
  }, 60_000);

  it("a failing init container fails a restartPolicy Never pod; the app never starts", async () => {
    await srv.client.create(pod("init-never", [sh("fail", "echo failing; exit 3")], [sh("app", LOOP)], { restartPolicy: "Never" }));
    const p = await eventually("init-never Failed", async () => {
      const x = await getPod("init-never");
      return x.status?.phase === "Failed" ? x : undefined;
    }, { timeoutMs: 30_000 });
    expect(initStatus(p, "fail")).toMatchObject({ ready: false, restartCount: 0, state: { terminated: { exitCode: 3, reason: "Error" } } });
    expect(p.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
    expect(p.status?.conditions?.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized" });
    const names = (await containersWithLabel(d, TEST_RUN_LABEL, RUN)).filter((c) => c.Labels["io.kubernetes.pod.name"] === "init-never").map((c) => c.Labels["io.kubernetes.container.name"]);
    expect(names).not.toContain("app");
  }, 60_000);

  it("a failing init container under restartPolicy OnFailure is restarted with back-off (CrashLoopBackOff)", async () => {
    await srv.client.create(pod("init-retry", [sh("fail", "echo failing; exit 1")], [sh("app", LOOP)], { restartPolicy: "OnFailure" }));
    const looping = await eventually("init-retry fail in CrashLoopBackOff", async () => {
      const x = await getPod("init-retry");
      const s = initStatus(x, "fail");
      return s?.state?.waiting?.reason === "CrashLoopBackOff" && s.restartCount >= 1 ? x : undefined;
    }, { timeoutMs: 30_000 });
    expect(looping.status?.phase).toBe("Pending");
    expect(initStatus(looping, "fail")?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    const again = await eventually("init-retry restartCount >= 2", async () => {
      const x = await getPod("init-retry");
      return (initStatus(x, "fail")?.restartCount ?? 0) >= 2 ? x : undefined;
    }, { timeoutMs: 30_000 });
    expect(again.status?.phase).toBe("Pending");
    expect(again.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("PodInitializing");
  }, 60_000);
});
