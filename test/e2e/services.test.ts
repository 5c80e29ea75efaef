/**
 * Services end to end on the real engine: two in-process nodes on loopback addresses, a web
 * Deployment on node 1, busybox client pods on both nodes. Names resolve inside pods through the
 * node DNS server, cluster IPs and node ports are served by each node's proxy, a pod on node 2
 * reaches endpoints on node 1, node ports spread over all replicas, a selector switch moves
 * traffic within 2 s, and bad Services are refused with 422.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiError } from "../../lib/errors.js";
import type { Endpoints, Pod, Service } from "../../lib/types.js";
import { deployment, docker, isReady, podsOf } from "../helpers/docker.js";
import { kctl } from "../helpers/cli.js";
import { execInPod, httpGet, startSvcCluster, type SvcCluster } from "./services-cluster.js";
import { eventually } from "../helpers/eventually.js";

let c: SvcCluster;

function service(name: string, spec: Service["spec"]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
}

function clientPod(name: string, node: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { role: "client" } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: "sh", image: "kctl-test/busybox:v1", imagePullPolicy: "IfNotPresent" }] },
  } as Pod;
}

/** Run a shell command in a pod's (only) container; exit code and output. */
const podExec = (pod: string, cmd: string, timeoutMs?: number) => execInPod(c.client, pod, cmd, timeoutMs);

let web: Service;
let n1: { name: string; ip: string };
let n2: { name: string; ip: string };

beforeAll(async () => {
  c = await startSvcCluster("svc", 2);
  [n1, n2] = c.nodes as [typeof n1, typeof n2];
  // The Service first: pods created after it get its environment variables.
  web = await c.client.create<Service>(service("web", { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] }));
  await c.client.create<Service>(service("web-headless", { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 8080 }] }));
  const dep = deployment("web", 3, { ports: [{ name: "http", containerPort: 8080 }] }, { nodeName: n1.name });
  await c.client.create(dep);
  await c.client.create(clientPod("client-1", n1.name));
  await c.client.create(clientPod("client-2", n2.name));
  await eventually("3 web pods and 2 clients Ready", async () => {
    const ready = (await c.client.list<Pod>("Pod", { namespace: "default" })).items.filter(isReady);
    return ready.length === 5;
  }, { timeoutMs: 30_000 });
  await eventually("3 ready endpoints", async () => {
    const ep = await c.client.get<Endpoints>("Endpoints", "web", "default");
    return (ep.subsets?.[0]?.addresses?.length ?? 0) === 3;
  }, { timeoutMs: 10_000 });
}, 90_000);

afterAll(async () => {
  await c?.close();
});

describe("services (2 nodes)", () => {
  it("allocates a cluster IP in the server's range and a node port; kctl prints them as kubectl does", async () => {
    expect(web.spec.clusterIP?.startsWith(c.serviceCidr.split(".").slice(0, 3).join("."))).toBe(true);
    const np = web.spec.ports![0]!.nodePort!;
    expect(np).toBeGreaterThanOrEqual(30000);
    const k = (...args: string[]) => kctl(["--server", c.srv.url, "--token", c.srv.token, ...args]);
    const svc = await k("get", "svc", "web");
    expect(svc.stdout).toMatch(new RegExp(`^NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\n`));
    expect(svc.stdout).toMatch(new RegExp(`web\\s+NodePort\\s+${web.spec.clusterIP!.replace(/\./g, "\\.")}\\s+<none>\\s+80:${np}/TCP\\s+`));
    const ep = await k("get", "endpoints", "web");
    expect(ep.stdout).toMatch(/^NAME\s+ENDPOINTS\s+AGE\n/);
    expect(ep.stdout).toMatch(/web\s+(\d+\.\d+\.\d+\.\d+:8080,){2}\d+\.\d+\.\d+\.\d+:8080\s+/);
    const d = await k("describe", "svc", "web");
    expect(d.stdout).toMatch(/Endpoints:\s+\S+:8080/);
    expect(d.stdout).toMatch(new RegExp(`NodePort:\\s+http\\s+${np}/TCP`));
  });

  it("pods on both nodes reach the service by short name and FQDN (node 2 has no endpoint of its own)", async () => {
    for (const pod of ["client-1", "client-2"]) {
      for (const name of ["web", "web.default", "web.default.svc", "web.default.svc.cluster.local"]) {
        const r = await podExec(pod, `timeout 5 wget -q -O- http://${name}/`);
        expect(r, `${pod} -> ${name}`).toMatchObject({ code: 0 });
        expect(r.out).toMatch(/^v1 web-/);
      }
    }
    const resolv = await podExec("client-2", "cat /etc/resolv.conf");
    expect(resolv.out).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    expect(resolv.out).toMatch(/^nameserver 169\.254\.20\.\d+$/m);
    expect(resolv.out).toMatch(/ndots:5/);
  });

  it("the node port of node 2 reaches the pods of node 1 through their published ports", async () => {
    const np = web.spec.ports![0]!.nodePort!;
    const names = new Set<string>();
    for (let i = 0; i < 9; i++) names.add((await httpGet(n2.ip, np)).body);
    expect(names.size).toBe(3);
  });

  it("a node port on the node's address is answered and spread over all replicas", async () => {
    const np = web.spec.ports![0]!.nodePort!;
    const pods = (await podsOf(c.client, "web")).map((p) => p.metadata.name);
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const r = await httpGet(n1.ip, np);
      expect(r.status).toBe(200);
      const host = r.body.split(" ")[1]!;
      counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(pods.sort());
    // Round-robin: 30 requests over 3 replicas, 10 each.
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it("service environment variables are set for services that existed at pod start", async () => {
    const env = (await podExec("client-2", "env")).out.split("\n");
    expect(env).toContain(`WEB_SERVICE_HOST=${web.spec.clusterIP}`);
    expect(env).toContain("WEB_SERVICE_PORT=80");
    expect(env).toContain("WEB_SERVICE_PORT_HTTP=80");
    expect(env).toContain(`WEB_PORT=tcp://${web.spec.clusterIP}:80`);
    expect(env).toContain(`WEB_PORT_80_TCP_ADDR=${web.spec.clusterIP}`);
    const r = await podExec("client-2", 'timeout 5 wget -q -O- "http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/"');
    expect(r.out).toMatch(/^v1 web-/);
  });

  it("a headless service resolves to the ready pod IPs; unknown cluster names fail fast; outside names fail cleanly", async () => {
    const ips = (await podsOf(c.client, "web")).map((p) => p.status!.podIP!).sort();
    const r = await podExec("client-1", "nslookup web-headless.default.svc.cluster.local");
    const got = [...r.out.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]!).sort();
    expect(got).toEqual(ips);
    let t0 = Date.now();
    const nx = await podExec("client-1", "timeout 5 wget -q -O- http://nope.default.svc.cluster.local/");
    expect(nx.code).not.toBe(0);
    expect(nx.out).toMatch(/bad address/);
    expect(Date.now() - t0).toBeLessThan(3000);
    t0 = Date.now();
    const ext = await podExec("client-1", "timeout 20 wget -q -O- http://example.invalid/");
    expect(ext.out).toMatch(/bad address/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("blue-green: switching the selector moves all new requests within 2 s", async () => {
    const blue = deployment("blue", 2, {}, {});
    blue.spec.template.metadata!.labels = { app: "blue", version: "blue" };
    const green = deployment("green", 2, { image: "kctl-test/web:v2" }, {});
    green.spec.template.metadata!.labels = { app: "green", version: "green" };
    await c.client.create(blue);
    await c.client.create(green);
    const bg = await c.client.create<Service>(service("bg", { type: "NodePort", selector: { version: "blue" }, ports: [{ port: 80, targetPort: 8080 }] }));
    const np = bg.spec.ports![0]!.nodePort!;
    await eventually("blue and green Ready", async () => (await podsOf(c.client, "blue")).filter(isReady).length === 2 && (await podsOf(c.client, "green")).filter(isReady).length === 2, { timeoutMs: 30_000 });
    await eventually("blue answers", async () => (await httpGet(n1.ip, np)).body.startsWith("v1"), { timeoutMs: 10_000 });
    await c.client.patch<Service>("Service", "bg", { spec: { selector: { version: "green" } } }, { namespace: "default" });
    const t0 = Date.now();
    await eventually("all requests answered by green", async () => {
      // Six in a row from green: every backend of the proxy is green now.
      for (let i = 0; i < 6; i++) if (!(await httpGet(n1.ip, np)).body.startsWith("v2")) return false;
      return true;
    }, { timeoutMs: 5000, intervalMs: 10 });
    expect(Date.now() - t0).toBeLessThan(2000);
    for (let i = 0; i < 10; i++) expect((await httpGet(n2.ip, np)).body).toMatch(/^v2 green-/);
  });

  it("bad Services are refused with 422 and a clear message", async () => {
    const taken = web.spec.ports![0]!.nodePort!;
    const cases: [Service, RegExp][] = [
      [service("bad1", { type: "NodePort", selector: { a: "b" }, ports: [{ port: 80, nodePort: 20000 }] }), /spec\.ports\[0\]\.nodePort: must be between 30000 and 32767/],
      [service("bad2", { type: "NodePort", selector: { a: "b" }, ports: [{ port: 80, nodePort: taken }] }), new RegExp(`provided port is already allocated: ${taken}`)],
      [service("bad3", { selector: { a: "b" }, ports: [{ port: 80, targetPort: "Not_A_Port" }] }), /spec\.ports\[0\]\.targetPort/],
      [service("bad4", { selector: { a: "b" }, ports: [{ port: 80, nodePort: 30500 }] }), /nodePort.*may not be used when `type` is 'ClusterIP'/],
      [service("bad5", { type: "NodePort", ports: [{ port: 80, nodePort: 40000 }] }), /spec\.ports\[0\]\.nodePort/],
    ];
    for (const [s, msg] of cases) {
      const err = (await c.client.create(s).then(() => undefined, (e: unknown) => e)) as ApiError | undefined;
      expect(err, s.metadata.name).toBeDefined();
      expect((err as { code?: number }).code ?? (err as { status?: { code?: number } }).status?.code).toBe(422);
      expect(err!.message).toMatch(msg);
    }
    // A selector-less Service is legal (its Endpoints are written by hand), as in Kubernetes.
    await expect(c.client.create(service("manual", { ports: [{ port: 80 }] }))).resolves.toBeDefined();
  });
});
