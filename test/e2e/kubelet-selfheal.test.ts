/**
 * Self-healing on a real engine, with the real API server, controllers, scheduler and kubelet
 * in-process: a 3-replica Deployment, `docker kill`, `docker rm -f`, pod deletion, crash loops,
 * liveness and readiness probes, graceful deletion timing, and an agent restart that adopts
 * running containers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event, Pod } from "../../lib/types.js";
import { LABEL_NODE } from "../../kubelet/labels.js";
import { containersWithLabel, deployment, docker, dockerCli, isReady, podsOf, startKubeletCluster, type KubeletCluster } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

const d = docker();
let c: KubeletCluster;
let node: string;

beforeAll(async () => {
  c = await startKubeletCluster({ prefix: "kt-heal", kubelet: { backoffBaseMs: 500, backoffCapMs: 2000 } });
  node = c.nodes[0]!;
});
afterAll(async () => {
  await c?.close();
});

async function userContainers(podName?: string) {
  const all = await containersWithLabel(d, LABEL_NODE, node, false);
  return all.filter((x) => x.Labels["kctl.io/role"] === "container" && (!podName || x.Labels["io.kubernetes.pod.name"] === podName));
}

async function getPod(name: string): Promise<Pod | undefined> {
  return c.client.get<Pod>("Pod", name, "default").catch(() => undefined);
}

function podManifest(name: string, spec: Partial<Pod["spec"]>): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { test: name } }, spec: { containers: [], ...spec } as Pod["spec"] };
}

describe("kubelet self-healing (3-replica Deployment)", () => {
  let pods: Pod[] = [];

  it("runs 3 containers, all Running and Ready", async () => {
    const t0 = Date.now();
    await c.client.create(deployment("web", 3));
    pods = await eventually("3 Ready pods", async () => {
      const ps = await podsOf(c.client, "web");
      return ps.length === 3 && ps.every(isReady) ? ps : undefined;
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await userContainers()).toHaveLength(3);
  });

  it("docker kill: the same pod is Running again with restartCount 1, in under a second", async () => {
    const p = pods[0]!;
    const id = p.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    const t0 = Date.now();
    await dockerCli("kill", id);
    const back = await eventually("a new running container for the killed one", async () => {
      const run = (await userContainers(p.metadata.name)).find((x) => x.State === "running" && x.Id !== id);
      return run;
    }, { timeoutMs: 10_000, intervalMs: 20 });
    const healMs = Date.now() - t0;
    const st = await eventually("restartCount 1 and Ready", async () => {
      const x = await getPod(p.metadata.name!);
      const cs = x?.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state?.running && isReady(x!) ? x : undefined;
    });
    expect(st.status!.containerStatuses![0]!.containerID).toBe(`docker://${back.Id}`);
    expect(st.status!.containerStatuses![0]!.lastState?.terminated?.exitCode).toBe(137);
    console.info(`self-heal after docker kill: ${healMs} ms`);
    expect(healMs).toBeLessThan(3000);
  });

  it("docker rm -f: the container is recreated", async () => {
    const p = pods[1]!;
    const id = p.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    await dockerCli("rm", "-f", id);
    await eventually("recreated container", async () => (await userContainers(p.metadata.name)).find((x) => x.State === "running" && x.Id !== id));
    const x = await eventually("pod Ready with the new container", async () => {
      const q = await getPod(p.metadata.name!);
      return q && isReady(q) && q.status!.containerStatuses![0]!.containerID !== `docker://${id}` ? q : undefined;
    });
    expect(x.status!.containerStatuses![0]!.restartCount).toBe(1);
  });

  it("deleting a pod brings a replacement; its containers are removed", async () => {
    const p = pods[2]!;
    await c.client.delete("Pod", p.metadata.name!, { namespace: "default" });
    await eventually("a Ready replacement pod", async () => {
      const ps = await podsOf(c.client, "web");
      return ps.length === 3 && ps.every(isReady) && !ps.some((x) => x.metadata.name === p.metadata.name) ? ps : undefined;
    });
    await eventually("old containers removed", async () => (await userContainers(p.metadata.name)).length === 0);
  });

  it("agent restart adopts running containers: same IDs, no restarts", async () => {
    const before = (await userContainers()).map((x) => x.Id).sort();
    const counts = (await podsOf(c.client, "web")).map((p) => p.status!.containerStatuses![0]!.restartCount);
    await c.kubelets.get(node)!.stop();
    const k = await c.startNode(node);
    // the new agent has synced every pod it found at least once
    await k.initialSync;
    const after = (await userContainers()).map((x) => x.Id).sort();
    expect(after).toEqual(before);
    const ps = await podsOf(c.client, "web");
    expect(ps.every(isReady)).toBe(true);
    expect(ps.map((p) => p.status!.containerStatuses![0]!.restartCount)).toEqual(counts);
  });
});

describe("restarts, probes and deletion", () => {
  it("a crashing container reaches CrashLoopBackOff with lastState Error", async () => {
    await c.client.create(podManifest("crash", { nodeName: node, containers: [{ name: "c", image: "kctl-test/crash:v1", imagePullPolicy: "IfNotPresent" }] }));
    const p = await eventually("CrashLoopBackOff", async () => {
      const x = await getPod("crash");
      const cs = x?.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === "CrashLoopBackOff" && (cs.restartCount ?? 0) >= 2 ? x : undefined;
    }, { timeoutMs: 20_000 });
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(p.status?.phase).toBe("Running");
    const evs = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === "crash");
    expect(evs.map((e) => e.reason)).toContain("BackOff");
    await c.client.delete("Pod", "crash", { namespace: "default", gracePeriodSeconds: 0 });
  });

  it("restartPolicy Never: a finished pod is Succeeded / Failed and not restarted", async () => {
    await c.client.create(podManifest("once", { nodeName: node, restartPolicy: "Never", containers: [{ name: "c", image: "kctl-test/busybox:v1", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "exit 3"] }] }));
    const p = await eventually("phase Failed", async () => {
      const x = await getPod("once");
      return x?.status?.phase === "Failed" ? x : undefined;
    });
    expect(p.status!.containerStatuses![0]!.state?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(p.status!.containerStatuses![0]!.restartCount).toBe(0);
  });

  it("liveness failure restarts the container (Unhealthy + Killing events)", async () => {
    await c.client.create(
      podManifest("live", {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "c",
            image: "kctl-test/busybox:v1",
            imagePullPolicy: "IfNotPresent",
            livenessProbe: { exec: { command: ["test", "-f", "/tmp/missing"] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    await eventually("a liveness restart", async () => ((await getPod("live"))?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, { timeoutMs: 20_000 });
    const reasons = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === "live").map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Unhealthy", "Killing"]));
    await c.client.delete("Pod", "live", { namespace: "default", gracePeriodSeconds: 0 });
  });

  it("readiness failure marks the pod not Ready, success marks it Ready again", async () => {
    await c.client.create(
      podManifest("ready", {
        nodeName: node,
        containers: [
          {
            name: "web",
            image: "kctl-test/web:v1",
            imagePullPolicy: "IfNotPresent",
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
    );
    const p = await eventually("Ready via readiness probe", async () => {
      const x = await getPod("ready");
      return x && isReady(x) ? x : undefined;
    });
    const id = p.status!.containerStatuses![0]!.containerID!.replace("docker://", "");
    await dockerCli("exec", id, "rm", "/www/healthz");
    const nr = await eventually("not Ready after the probe fails", async () => {
      const x = await getPod("ready");
      return x && x.status?.conditions?.find((k) => k.type === "Ready")?.status === "False" ? x : undefined;
    });
    expect(nr.status!.containerStatuses![0]!.ready).toBe(false);
    expect(nr.status!.phase).toBe("Running");
    await dockerCli("exec", id, "sh", "-c", "echo ok > /www/healthz");
    await eventually("Ready again", async () => {
      const x = await getPod("ready");
      return x && isReady(x);
    });
    await c.client.delete("Pod", "ready", { namespace: "default", gracePeriodSeconds: 0 });
  });

  it("graceful deletion: a SIGTERM-ignoring container takes the 2 s grace, the web image stops at once", async () => {
    await c.client.create(podManifest("stubborn", { nodeName: node, terminationGracePeriodSeconds: 2, containers: [{ name: "c", image: "kctl-test/stubborn:v1", imagePullPolicy: "IfNotPresent" }] }));
    await c.client.create(podManifest("quick", { nodeName: node, terminationGracePeriodSeconds: 10, containers: [{ name: "c", image: "kctl-test/web:v1", imagePullPolicy: "IfNotPresent" }] }));
    await eventually("both Running", async () => {
      const [a, b] = await Promise.all([getPod("stubborn"), getPod("quick")]);
      return a && b && isReady(a) && isReady(b);
    });
    const timeDelete = async (name: string): Promise<number> => {
      const t0 = Date.now();
      await c.client.delete("Pod", name, { namespace: "default" });
      await eventually(`${name} gone`, async () => !(await getPod(name)), { timeoutMs: 15_000, intervalMs: 20 });
      return Date.now() - t0;
    };
    const [slow, fast] = await Promise.all([timeDelete("stubborn"), timeDelete("quick")]);
    console.info(`graceful deletion: stubborn ${slow} ms, web ${fast} ms`);
    expect(slow).toBeGreaterThanOrEqual(1800);
    expect(slow).toBeLessThan(4500);
    expect(fast).toBeLessThan(1500);
  });
});
