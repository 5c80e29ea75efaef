/**
 * Kubelet e2e on a real engine: a plain pod end to end (sandbox, published port, status, events,
 * env from the downward API and a ConfigMap, volumes), then graceful deletion.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../lib/logger.js";
import type { ConfigMap, Event, Pod } from "../../lib/types.js";
import { startKubelet, type Kubelet } from "../../kubelet/index.js";
import { LABEL_NODE } from "../../kubelet/labels.js";
import { assertDockerReady, containersWithLabel, docker, dockerCli, removeByLabel, runId, TEST_RUN_LABEL } from "../helpers/docker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually } from "../helpers/eventually.js";

const d = docker();
const run = runId("kt-basic");
const node = run;
let srv: TestServer;
let kubelet: Kubelet;

function get(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

const pod = (name: string, extra: Partial<Pod["spec"]> = {}): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", labels: { app: name } },
  spec: {
    nodeName: node,
    terminationGracePeriodSeconds: 2,
    containers: [{ name: "web", image: "kctl-test/web:v1", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }] }],
    ...extra,
  },
});

async function getPod(name: string): Promise<Pod | undefined> {
  try {
    return await srv.client.get<Pod>("Pod", name, "default");
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  await assertDockerReady(d);
  srv = await startTestServer();
  kubelet = await startKubelet({
    client: srv.client,
    logger: silentLogger(),
    nodeName: node,
    nodeIP: "127.0.0.1",
    containerLabels: { [TEST_RUN_LABEL]: run },
    dataDir: `${srv.dataDir}/kubelet`,
    heartbeatSeconds: 1,
  });
});

afterAll(async () => {
  await kubelet?.stop({ removeContainers: true });
  await removeByLabel(d, LABEL_NODE, node);
  await srv?.close();
});

describe("kubelet: a plain pod", () => {
  it("registers a Ready node with capacity, addresses and labels", async () => {
    const n = await srv.client.get("Node", node);
    const st = n.status as { conditions: { type: string; status: string }[]; capacity: Record<string, string>; addresses: { type: string; address: string }[]; nodeInfo: { containerRuntimeVersion: string; kubeletVersion: string } };
    expect(st.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(Number(st.capacity.cpu)).toBeGreaterThan(0);
    expect(st.capacity.pods).toBe("110");
    expect(st.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    expect(st.nodeInfo.containerRuntimeVersion).toMatch(/^docker:\/\/\d+/);
    expect(n.metadata.labels?.["kubernetes.io/hostname"]).toBe(node);
    const lease = await srv.client.get("Lease", node, "kube-node-lease");
    expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe(node);
  });

  it("runs a pod: Running and Ready, pod IP, published port answering, events", async () => {
    await srv.client.create<ConfigMap>({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { greeting: "hello", "app.conf": "x=1\n" } });
    const t0 = Date.now();
    await srv.client.create(
      pod("web1", {
        volumes: [{ name: "conf", configMap: { name: "cfg" } }, { name: "scratch", emptyDir: {} }],
        containers: [
          {
            name: "web",
            image: "kctl-test/web:v1",
            imagePullPolicy: "IfNotPresent",
            ports: [{ containerPort: 8080 }],
            env: [
              { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
              { name: "GREETING", valueFrom: { configMapKeyRef: { name: "cfg", key: "greeting" } } },
              { name: "PLAIN", value: "v-$(GREETING)" },
            ],
            volumeMounts: [{ name: "conf", mountPath: "/etc/app" }, { name: "scratch", mountPath: "/scratch" }],
          },
        ],
      }),
    );
    const p = await eventually("pod web1 Running and Ready", async () => {
      const x = await getPod("web1");
      return x?.status?.phase === "Running" && x.status.conditions?.find((c) => c.type === "Ready")?.status === "True" ? x : undefined;
    });
    const readyMs = Date.now() - t0;
    expect(readyMs).toBeLessThan(5000);
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status?.hostIP).toBe("127.0.0.1");
    const cs = p.status?.containerStatuses?.[0];
    expect(cs?.ready).toBe(true);
    expect(cs?.restartCount).toBe(0);
    expect(cs?.containerID).toMatch(/^docker:\/\//);
    expect(cs?.state?.running?.startedAt).toBeTruthy();

    const ports = await eventually("kctl.io/ports annotation", async () => (await getPod("web1"))?.metadata.annotations?.["kctl.io/ports"]);
    const map = JSON.parse(ports) as Record<string, { hostIP: string; hostPort: number }>;
    expect(map["8080/TCP"]?.hostIP).toBe("127.0.0.1");
    const res = await eventually("HTTP 200 from the published port", async () => {
      const r = await get(`http://127.0.0.1:${map["8080/TCP"]!.hostPort}/`);
      return r.code === 200 ? r : undefined;
    }, { timeoutMs: 5000 });
    expect(res.body.trim()).toBe("v1 web1");
    const direct = await get(`http://${p.status!.podIP}:8080/`);
    expect(direct.body.trim()).toBe("v1 web1");

    const id = cs!.containerID!.replace("docker://", "");
    const env = await dockerCli("exec", id, "sh", "-c", "echo $POD_NAME $POD_IP $GREETING $PLAIN; cat /etc/app/greeting; echo; touch /scratch/ok && echo rw");
    expect(env.split("\n")).toEqual([`web1 ${p.status!.podIP} hello v-hello`, "hello", "rw"]);
    const labels = (await d.getContainer(id).inspect()).Config.Labels;
    expect(labels).toMatchObject({ "io.kubernetes.pod.name": "web1", "io.kubernetes.container.name": "web", "kctl.io/node": node, "kctl.io/role": "container", "kctl.io/managed": "true" });

    const evs = await eventually("Created/Started events", async () => {
      const list = await srv.client.list<Event>("Event", { namespace: "default" });
      const reasons = list.items.filter((e) => e.involvedObject.name === "web1").map((e) => e.reason);
      return reasons.includes("Started") ? reasons : undefined;
    });
    expect(evs).toContain("Created");
  });

  it("a new image restarts the container with it (the pod keeps its IP); other spec changes are refused", async () => {
    const before = await srv.client.get<Pod>("Pod", "web1", "default");
    const oldId = before.status!.containerStatuses![0]!.containerID;
    // The one container field a pod update may change, as in Kubernetes (kubectl set image pod/...).
    await srv.client.patch("Pod", "web1", { spec: { containers: [{ name: "web", image: "kctl-test/web:v2" }] } }, { namespace: "default", type: "strategic" });
    const p = await eventually("web1 running kctl-test/web:v2", async () => {
      const x = await getPod("web1");
      const cs = x?.status?.containerStatuses?.[0];
      return cs?.image === "kctl-test/web:v2" && cs.ready && cs.containerID !== oldId ? x : undefined;
    });
    const cs = p.status!.containerStatuses![0]!;
    expect(cs.restartCount).toBe(1);
    expect(cs.lastState?.terminated).toBeTruthy();
    expect(p.status!.podIP).toBe(before.status!.podIP); // same sandbox
    const direct = await eventually("the v2 answer", async () => {
      const r = await get(`http://${p.status!.podIP}:8080/`).catch(() => undefined);
      return r?.body.trim() === "v2 web1" ? r : undefined;
    });
    expect(direct.code).toBe(200);
    const killing = await eventually("Killing event", async () => {
      const list = await srv.client.list<Event>("Event", { namespace: "default" });
      return list.items.find((e) => e.involvedObject.name === "web1" && e.reason === "Killing");
    });
    expect(killing.message).toBe("Container web definition changed, will be restarted");

    const env = srv.client.patch("Pod", "web1", { spec: { containers: [{ name: "web", env: [{ name: "X", value: "1" }] }] } }, { namespace: "default", type: "strategic" });
    await expect(env).rejects.toMatchObject({ code: 422, message: expect.stringMatching(/spec: Forbidden: pod updates may not change fields other than .*\(spec\.containers\[0\]\.env changed\)/) });
    expect((await srv.client.get<Pod>("Pod", "web1", "default")).spec.containers[0]!.env).toEqual(before.spec.containers[0]!.env);
  });

  it("activeDeadlineSeconds: the pod is stopped and Failed with DeadlineExceeded when it runs out", async () => {
    await srv.client.create(pod("deadline", { activeDeadlineSeconds: 2 }));
    const p = await eventually("pod deadline Failed", async () => {
      const x = await getPod("deadline");
      return x?.status?.phase === "Failed" && x.status.containerStatuses?.[0]?.state?.terminated ? x : undefined;
    }, { timeoutMs: 15_000 });
    expect(p.status).toMatchObject({ reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" });
    const ranMs = Date.parse(p.status!.containerStatuses![0]!.state!.terminated!.finishedAt!) - Date.parse(p.status!.startTime!);
    expect(ranMs).toBeGreaterThanOrEqual(1000); // startTime has second precision
    const running = (await containersWithLabel(d, LABEL_NODE, node)).filter((c) => c.Labels["io.kubernetes.pod.name"] === "deadline" && c.State === "running");
    expect(running).toEqual([]);
    await srv.client.delete("Pod", "deadline", { namespace: "default" });
  });

  it("deletes gracefully: containers stopped, then the pod object is gone, then the containers are removed", async () => {
    const t0 = Date.now();
    await srv.client.delete("Pod", "web1", { namespace: "default" });
    await eventually("pod web1 removed from the API", async () => !(await getPod("web1")));
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(2000); // the web image exits at once on SIGTERM
    // As in Kubernetes, the object goes once the containers have stopped; removal follows.
    const running = (await containersWithLabel(d, LABEL_NODE, node, false)).filter((c) => c.Labels["io.kubernetes.pod.name"] === "web1" && c.Labels["kctl.io/role"] === "container");
    expect(running).toEqual([]);
    await eventually("web1's containers removed", async () => (await containersWithLabel(d, LABEL_NODE, node)).every((c) => c.Labels["io.kubernetes.pod.name"] !== "web1"), { timeoutMs: 5_000 });
  });
});
