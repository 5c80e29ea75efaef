/**
 * One pod network across hosts, on the simulated lab (scripts/lab.sh): four "hosts", each a
 * network namespace with its own Docker engine and its own `kctl agent`; h1-h3 share one L2
 * segment (host-gw routes), h4 sits behind a router namespace (VXLAN overlay); the API server runs
 * outside. Pods reach pods on other hosts by pod IP without NAT, a ClusterIP service with
 * endpoints on h2 and h3 answers by name from every host, a NodePort answers on every host, a
 * rolling update over three hosts loses no request, and a host that leaves takes its routes
 * with it while its pods come back elsewhere.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../lib/client.js";
import { clientConfigFromKubeconfig, readKubeconfig } from "../../lib/kubeconfig.js";
import type { Deployment, Endpoints, Node, Pod, Service } from "../../lib/types.js";
import { cidrContains } from "../../lib/ipv4.js";
import { kctl } from "../helpers/cli.js";
import { deployment } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { httpGet } from "./services-cluster.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LAB = path.join(ROOT, "scripts/lab.sh");
// the lab's names and segments (scripts/lab.sh KCTL_LAB_NAME/KCTL_LAB_NET): defaults, or a lab of
// its own beside another run's
const PFX = process.env.KCTL_LAB_NAME ?? "klab";
const NET = Number(process.env.KCTL_LAB_NET ?? 91);
const KUBECONFIG = `${process.env.KCTL_LAB_DIR ?? `/run/${PFX}`}/server/admin.kubeconfig`;
const HOST_IP: Record<string, string> = { h1: `192.168.${NET}.11`, h2: `192.168.${NET}.12`, h3: `192.168.${NET}.13`, h4: `192.168.${NET + 1}.14` };

function sh(cmd: string, args: string[], timeoutMs = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}
const lab = (...args: string[]): Promise<string> => sh("bash", [LAB, ...args]);

let client: ApiClient;

async function k(...args: string[]): Promise<string> {
  const r = await kctl(["--kubeconfig", KUBECONFIG, ...args], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`kctl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
/** Run a shell line in a pod; stdout. */
const podSh = (pod: string, line: string): Promise<string> => k("exec", pod, "--", "sh", "-c", line);

function webPod(name: string, host: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": host },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: "kctl-test/web:v1", imagePullPolicy: "Never", ports: [{ containerPort: 8080 }] }],
    },
  };
}
const running = async (name: string): Promise<Pod | undefined> => {
  const p = await client.get<Pod>("Pod", name, "default");
  return p.status?.phase === "Running" && p.status.podIP ? p : undefined;
};
const kctlRoutes = (host: string): Promise<string> => sh("ip", ["-n", `${PFX}-${host}`, "route", "show", "proto", "107"]);

beforeAll(async () => {
  await lab("down").catch(() => undefined);
  await lab("up", "--hosts", "4", "--routed", "1");
  client = new ApiClient(clientConfigFromKubeconfig(readKubeconfig(KUBECONFIG), undefined, path.dirname(KUBECONFIG)));
  await eventually("4 nodes with their pod network up", async () => {
    const nodes = (await client.list<Node>("Node")).items;
    const up = nodes.filter((n) => n.spec?.podCIDR && n.status?.conditions?.some((c) => c.type === "NetworkUnavailable" && c.status === "False"));
    return up.length === 4;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  for (const h of ["h1", "h2", "h3", "h4"]) await client.create(webPod(`web-${h}`, h, { app: "web", ...(h === "h2" || h === "h3" ? { tier: "backend" } : {}) }));
  await eventually("a web pod Running on every host", async () => (await Promise.all(["h1", "h2", "h3", "h4"].map((h) => running(`web-${h}`)))).every(Boolean), { timeoutMs: 60_000, intervalMs: 250 });
}, 300_000);

afterAll(async () => {
  client?.close();
  await lab("down");
}, 120_000);

describe("one pod network across hosts (simulated lab)", () => {
  it("pod IPs come from each node's podCIDR; a pod on h1 fetches from a pod on h2 by IP, and h2 sees h1's pod IP (no NAT)", async () => {
    const nodes = new Map((await client.list<Node>("Node")).items.map((n) => [n.metadata.name ?? "", n]));
    const cidrs = [...nodes.values()].map((n) => n.spec?.podCIDR);
    expect(new Set(cidrs).size).toBe(4);
    const ips: Record<string, string> = {};
    for (const h of ["h1", "h2", "h3", "h4"]) {
      const p = (await running(`web-${h}`))!;
      ips[h] = p.status!.podIP!;
      expect(cidrContains(nodes.get(h)!.spec!.podCIDR!, ips[h]!), `${h}'s pod ${ips[h]} in ${nodes.get(h)!.spec!.podCIDR}`).toBe(true);
    }
    expect(await podSh("web-h1", `wget -q -O- http://${ips.h2}:8080/`)).toBe("v1 web-h2\n");
    expect(await kctlRoutes("h1")).toContain(`${nodes.get("h2")!.spec!.podCIDR} via ${HOST_IP.h2} dev eth0`);

    // Hold a connection from h1's pod open and look at it from h2's pod: the peer is the pod IP.
    const held = podSh("web-h1", `sleep 5 | nc ${ips.h2} 8080`).catch(() => "");
    const seen = await eventually("h2 sees the connection from h1's pod", async () => {
      const out = await podSh("web-h2", "netstat -tn");
      return out.includes(`${ips.h2}:8080`) && out.split("\n").find((l) => l.includes(`${ips.h2}:8080`) && l.includes("ESTABLISHED"));
    }, { timeoutMs: 10_000, intervalMs: 200 });
    expect(seen).toContain(`${ips.h1}:`);
    await held;
  }, 60_000);

  it("a ClusterIP service with endpoints on h2 and h3 answers by name from every host; a NodePort answers on every host", async () => {
    const svc = await client.create<Service>({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "backend", namespace: "default" },
      spec: { type: "NodePort", selector: { tier: "backend" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await eventually("2 endpoints", async () => ((await client.get<Endpoints>("Endpoints", "backend", "default")).subsets?.[0]?.addresses?.length ?? 0) === 2);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add((await podSh("web-h1", "wget -q -O- http://backend.default/")).trim());
    expect([...answers].sort()).toEqual(["v1 web-h2", "v1 web-h3"]);
    for (const h of ["h1", "h2", "h3", "h4"]) {
      const out = await podSh(`web-${h}`, "wget -q -O- http://backend.default/ && wget -q -O- http://backend.default.svc.cluster.local/");
      expect(out, `names resolve and answer on ${h}`).toMatch(/^v1 web-h[23]\nv1 web-h[23]\n$/);
    }
    const nodePort = svc.spec.ports![0]!.nodePort!;
    for (const [h, ip] of Object.entries(HOST_IP)) {
      const r = await eventually(`NodePort on ${h}`, () => httpGet(ip, nodePort, "/", 3000).catch(() => undefined), { timeoutMs: 10_000 });
      expect(r.status, h).toBe(200);
      expect(r.body.trim()).toMatch(/^v1 web-h[23]$/);
    }
  }, 90_000);

  it("overlay: h4 behind the router is reached through kctl.vxlan, pod to pod both ways", async () => {
    const h4 = (await client.get<Node>("Node", "h4")).spec!.podCIDR!;
    expect(await kctlRoutes("h1")).toContain(`${h4} via ${h4.replace(/\/24$/, "")} dev kctl.vxlan`);
    const ip4 = (await running("web-h4"))!.status!.podIP!;
    const ip1 = (await running("web-h1"))!.status!.podIP!;
    expect(await podSh("web-h1", `wget -q -O- http://${ip4}:8080/`)).toBe("v1 web-h4\n");
    expect(await podSh("web-h4", `wget -q -O- http://${ip1}:8080/`)).toBe("v1 web-h1\n");
  }, 60_000);

  it("overlay settings: pods fit the VXLAN MTU in auto mode (no path-MTU discovery needed), the device sends no outer UDP checksum", async () => {
    // the lab's links are 1500: pods get 1500 - 50 on every host (auto mode, peers of both kinds)
    for (const pod of ["web-h1", "web-h4"]) expect((await podSh(pod, "cat /sys/class/net/eth0/mtu")).trim()).toBe("1450");
    for (const h of ["h1", "h4"]) {
      const dev = JSON.parse(await sh("ip", ["-n", `${PFX}-${h}`, "-d", "-j", "link", "show", "kctl.vxlan"])) as { mtu: number; linkinfo: { info_data: { udp_csum: boolean; port: number } } }[];
      expect(dev[0]).toMatchObject({ mtu: 1450, linkinfo: { info_data: { udp_csum: false, port: 8472 } } });
    }
  }, 60_000);

  it("a rolling update with endpoints on 3 hosts under a constant request loop: 0 failed requests", async () => {
    for (const h of ["h1", "h2", "h3"]) await k("label", "node", h, "lab-segment=a");
    const dep: Deployment = deployment("roll", 3, {
      imagePullPolicy: "Never",
      readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
      lifecycle: { preStop: { exec: { command: ["sleep", "1"] } } },
    }, { terminationGracePeriodSeconds: 5, nodeSelector: { "lab-segment": "a" } });
    dep.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const svc = await client.create<Service>({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "roll", namespace: "default" },
      spec: { type: "NodePort", selector: { app: "roll" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await client.create(dep);
    const spread = await eventually("3 ready roll pods on 3 hosts", async () => {
      const pods = (await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=roll" })).items;
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      const hosts = new Set(ready.map((p) => p.spec.nodeName));
      return ready.length === 3 && hosts.size === 3 ? hosts : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect([...spread].sort()).toEqual(["h1", "h2", "h3"]);
    const nodePort = svc.spec.ports![0]!.nodePort!;

    let stop = false;
    let total = 0;
    const failures: string[] = [];
    const answered = { v1: 0, v2: 0 };
    let last = "";
    const loop = async (host: string): Promise<void> => {
      for (let i = 0; i < 20_000 && !stop; i++) {
        total++;
        try {
          const r = await httpGet(host, nodePort, "/", 5000);
          if (r.status !== 200) failures.push(`HTTP ${r.status}`);
          else {
            last = r.body.split(" ")[0]!;
            if (last === "v1" || last === "v2") answered[last]++;
          }
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    const loops = [loop(HOST_IP.h1!), loop(HOST_IP.h4!)];
    await k("set", "image", "deployment/roll", "web=kctl-test/web:v2");
    await eventually("rolled out to v2", async () => {
      const d = await client.get<Deployment>("Deployment", "roll", "default");
      const s = d.status ?? {};
      const pods = (await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=roll" })).items;
      return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) && s.updatedReplicas === 3 && s.availableReplicas === 3 && pods.length === 3 && pods.every((p) => p.spec.containers[0]!.image === "kctl-test/web:v2");
    }, { timeoutMs: 90_000, intervalMs: 250 });
    // a few more requests on the new version, then stop the loops
    const after = total;
    await eventually("requests after the rollout", () => total > after + 20, { timeoutMs: 10_000 });
    stop = true;
    await Promise.all(loops);
    console.info(`rolling update across 3 hosts: ${total} requests (${answered.v1} v1, ${answered.v2} v2), ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(answered.v1).toBeGreaterThan(0);
    expect(last).toBe("v2");
  }, 150_000);

  it("a host leaves: its routes disappear elsewhere, its pods are replaced on the remaining hosts and answer", async () => {
    const h2 = (await client.get<Node>("Node", "h2")).spec!.podCIDR!;
    expect(await kctlRoutes("h1")).toContain(h2);
    await lab("remove-host", "h2");
    await k("delete", "node", "h2");
    await eventually("h2's range gone from h1 and h3", async () => !(await kctlRoutes("h1")).includes(h2) && !(await kctlRoutes("h3")).includes(h2), { timeoutMs: 20_000, intervalMs: 250 });
    const pods = await eventually("3 ready roll pods on h1 and h3", async () => {
      const all = (await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=roll" })).items;
      const ready = all.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return ready.length === 3 && ready.every((p) => p.spec.nodeName === "h1" || p.spec.nodeName === "h3") ? ready : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    for (const p of pods) expect(await podSh("web-h4", `wget -q -O- http://${p.status!.podIP}:8080/`)).toBe(`v2 ${p.metadata.name}\n`);
    const svc = await client.get<Service>("Service", "roll", "default");
    for (let i = 0; i < 6; i++) expect((await httpGet(HOST_IP.h3!, svc.spec.ports![0]!.nodePort!, "/", 3000)).status).toBe(200);
  }, 120_000);

  it("kctl agent --cleanup on the overlay host removes its containers, bridge, routes, VXLAN device and rules, and nothing that is not kctl's", async () => {
    const ns = `${PFX}-h4`;
    const inNs = (...args: string[]): Promise<string> => sh("ip", ["netns", "exec", ns, ...args]);
    // someone else's route and rule on the same host
    await sh("ip", ["-n", ns, "route", "add", "198.51.100.0/24", "dev", "eth0"]);
    await inNs("iptables", "-w", "-A", "DOCKER-USER", "-s", "198.51.100.0/24", "-m", "comment", "--comment", "not kctl", "-j", "ACCEPT");
    expect(await kctlRoutes("h4")).not.toBe("");
    await lab("stop-agent", "h4");
    const dockerHost = `unix://${process.env.KCTL_LAB_DIR ?? `/run/${PFX}`}/hosts/h4/docker.sock`;
    const out = await lab("exec", "h4", "node", path.join(ROOT, "bin/kctl"), "agent", "--cleanup", "--node-name", "h4", "--docker-host", dockerHost);
    expect(out).toMatch(/^agent h4 cleaned up: \d+ containers, networks \[kctl-pods-h4\], [1-9]\d* iptables rules/);
    expect(await kctlRoutes("h4")).toBe("");
    await expect(sh("ip", ["-n", ns, "link", "show", "kctl.vxlan"])).rejects.toThrow(/does not exist/);
    const rules = (await inNs("iptables", "-w", "-S")) + (await inNs("iptables", "-w", "-t", "nat", "-S"));
    expect(rules).not.toContain("kctl pod network");
    expect(rules).not.toContain("KCTL-POSTROUTING");
    expect(rules).toContain("not kctl");
    expect(await sh("ip", ["-n", ns, "route", "show", "198.51.100.0/24"])).toContain("dev eth0");
    expect(await sh("docker", ["-H", dockerHost, "network", "ls", "--format", "{{.Name}}"])).not.toContain("kctl-pods-h4");
    expect((await sh("docker", ["-H", dockerHost, "ps", "-aq", "--filter", "label=kctl.io/managed=true"])).trim()).toBe("");
  }, 60_000);
});
