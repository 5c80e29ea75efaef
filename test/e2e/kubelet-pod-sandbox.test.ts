/**
 * Pods without a sandbox, on a real `kctl server` (its node on the pod network, real Docker): a
 * pod of one container runs as that one container, which holds the pod's network itself with
 * everything a sandbox would give it (hostname = pod name, the pod IP on the node's pod bridge,
 * the published port, the cluster DNS), and a restart keeps the pod's IP and host port, as a
 * sandbox would. A pod of two containers still gets a sandbox, and its containers share localhost.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import { clientConfigFromKubeconfig, readKubeconfig } from "../../lib/kubeconfig.js";
import type { Container, Pod } from "../../lib/types.js";
import { PORTS_ANNOTATION } from "../../lib/well-known.js";
import { kctl } from "../helpers/cli.js";
import { assertDockerReady, containersWithLabel, docker, removeByLabel } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startKctlServer, type KctlServerProcess } from "../helpers/kctl-server.js";

const NODE = `sandboxless-${process.pid}`;
const d = docker();
let srv: KctlServerProcess;
let client: ApiClient;
let env: NodeJS.ProcessEnv;

function pod(name: string, containers: Pod["spec"]["containers"]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { terminationGracePeriodSeconds: 1, containers } };
}
const web: Container = { name: "web", image: "kctl-test/web:v1", imagePullPolicy: "Never", ports: [{ containerPort: 8080 }] };

/** GET http://host:port/ → body. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: "/", timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

const hostPort = (p: Pod): number => (JSON.parse(p.metadata.annotations?.[PORTS_ANNOTATION] ?? "{}") as Record<string, { hostPort: number }>)["8080/TCP"]?.hostPort ?? 0;

async function runningPod(name: string, restarts = 0): Promise<Pod> {
  return eventually(
    `${name} Ready with ${restarts} restarts`,
    async () => {
      const p = await client.get<Pod>("Pod", name, "default");
      const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      const count = p.status?.containerStatuses?.[0]?.restartCount ?? 0;
      return ready && count === restarts && p.status?.podIP && hostPort(p) ? p : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** The engine's containers of a pod, by the kubelet's role label. */
async function rolesOf(name: string): Promise<string[]> {
  const all = await containersWithLabel(d, "io.kubernetes.pod.name", name);
  return all.filter((c) => c.Labels["kctl.io/node"] === NODE).map((c) => `${c.Labels["kctl.io/role"]}:${c.State}`).sort();
}

beforeAll(async () => {
  await assertDockerReady(d);
  srv = startKctlServer({ args: ["--node-name", NODE, "--log-level", "warn"] });
  await srv.ready(60_000);
  env = { KCTL_CONFIG: srv.kubeconfig };
  client = new ApiClient(clientConfigFromKubeconfig(readKubeconfig(srv.kubeconfig)));
}, 90_000);

afterAll(async () => {
  client?.close();
  await srv?.stop();
  await removeByLabel(d, "kctl.io/node", NODE);
});

describe("pods without a sandbox", () => {
  it("a pod of one container is that one container, holding the pod's hostname, IP, port and DNS", async () => {
    await client.create(pod("solo", [web]));
    const p = await runningPod("solo");
    expect(await rolesOf("solo")).toEqual(["container:running"]);
    const [c] = await containersWithLabel(d, "io.kubernetes.pod.name", "solo");
    const info = await d.getContainer(c!.Id).inspect();
    // on the node's pod bridge, with the pod IP the status reports
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`kctl-pods-${NODE}`]);
    expect(Object.values(info.NetworkSettings.Networks)[0]!.IPAddress).toBe(p.status!.podIP);
    // the published port on the node IP answers, from a process whose hostname is the pod name
    expect(await get("127.0.0.1", hostPort(p))).toBe("v1 solo\n");
    // the cluster DNS, as a sandbox gets it
    const resolv = await kctl(["exec", "solo", "--", "cat", "/etc/resolv.conf"], { env });
    expect(resolv.stdout).toContain("search default.svc.cluster.local svc.cluster.local cluster.local");
  }, 90_000);

  it("a restart keeps the pod's IP and host port, with the dead instance's log for --previous", async () => {
    const before = await runningPod("solo");
    const [c] = await containersWithLabel(d, "io.kubernetes.pod.name", "solo", false);
    await d.getContainer(c!.Id).kill();
    const after = await runningPod("solo", 1);
    expect(after.status!.podIP).toBe(before.status!.podIP);
    expect(hostPort(after)).toBe(hostPort(before));
    expect(await get("127.0.0.1", hostPort(after))).toBe("v1 solo\n");
    expect(await rolesOf("solo")).toEqual(["container:exited", "container:running"]);
    const prev = await kctl(["logs", "solo", "--previous"], { env });
    expect(prev.code).toBe(0);
  }, 90_000);

  it("a pod of two containers gets a sandbox, and its containers share localhost", async () => {
    const probe: Container = { name: "probe", image: "kctl-test/busybox:v1", imagePullPolicy: "Never", command: ["sh", "-c", "while true; do wget -qO- http://127.0.0.1:8080/ > /tmp/seen; sleep 1; done"] };
    await client.create(pod("pair", [web, probe]));
    await runningPod("pair");
    expect(await rolesOf("pair")).toEqual(["container:running", "container:running", "sandbox:running"]);
    const seen = await eventually(
      "the sidecar reached the web container on localhost",
      async () => (await kctl(["exec", "pair", "-c", "probe", "--", "cat", "/tmp/seen"], { env })).stdout || undefined,
      { timeoutMs: 30_000 },
    );
    expect(seen).toBe("v1 pair\n");
  }, 90_000);

  it("--pod-sandbox takes always or when-needed: anything else is one line and changes nothing", async () => {
    for (const cmd of [["server", "--listen", "127.0.0.1:0", "--data-dir", `${srv.dataDir}/refused`], ["agent", "--server", "https://127.0.0.1:1", "--token", "x"]]) {
      const r = await kctl([...cmd, "--pod-sandbox", "sometimes"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe('error: --pod-sandbox: "sometimes" is not one of always, when-needed');
    }
  });
});

