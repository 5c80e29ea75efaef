import { describe, expect, it } from "vitest";
import { Balancer } from "../../kubelet/proxy/balancer.js";
import { backendsFor, desiredListeners, publishedPort, type Backend } from "../../kubelet/proxy/backends.js";
import { cidrContains } from "../../lib/ipv4.js";
import { dnsAddressCandidates } from "../../kubelet/proxy/node-services.js";
import { serviceEnvVars } from "../../kubelet/service-env.js";
import type { Endpoints, Pod, Service } from "../../lib/types.js";

function svc(name: string, spec: Partial<Service["spec"]>, ns = "default"): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { type: "ClusterIP", ...spec } };
}

function pod(name: string, node: string, ports: Record<string, { hostIP: string; hostPort: number }>, uid = `uid-${name}`): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid, annotations: { "kctl.io/ports": JSON.stringify(ports) } },
    spec: { nodeName: node, containers: [] },
    status: { hostIP: node === "n2" ? "127.0.0.3" : "127.0.0.2" },
  } as Pod;
}

const eps: Endpoints = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "web", namespace: "default" },
  subsets: [
    {
      addresses: [
        { ip: "172.17.0.5", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" } },
        { ip: "172.17.0.5", nodeName: "n2", targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "uid-b" } },
        { ip: "172.17.0.7", nodeName: "n2", targetRef: { kind: "Pod", namespace: "default", name: "c", uid: "uid-c" } },
      ],
      notReadyAddresses: [{ ip: "172.17.0.9", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "d" } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    },
  ],
};

describe("backends", () => {
  const pods = new Map([
    ["a", pod("a", "n1", { "8080/TCP": { hostIP: "127.0.0.2", hostPort: 32001 } })],
    ["b", pod("b", "n2", { "8080/TCP": { hostIP: "0.0.0.0", hostPort: 32002 } })],
    ["c", pod("c", "n2", {})],
  ]);
  const ctx = (node: string) => ({ nodeName: node, pod: (_ns: string, n: string) => pods.get(n) });
  const sp = { name: "http", port: 80, targetPort: "http", protocol: "TCP" as const };

  it("local endpoints go to the bridge IP, remote ones to the published port; not-ready and unpublished are skipped", () => {
    expect(backendsFor(sp, eps, ctx("n1"))).toEqual([
      { key: "uid-a:8080", host: "172.17.0.5", port: 8080, local: true },
      { key: "uid-b:8080", host: "127.0.0.3", port: 32002, local: false },
    ]);
    expect(backendsFor(sp, eps, ctx("n2"))).toEqual([
      { key: "uid-a:8080", host: "127.0.0.2", port: 32001, local: false },
      { key: "uid-b:8080", host: "172.17.0.5", port: 8080, local: true },
      { key: "uid-c:8080", host: "172.17.0.7", port: 8080, local: true },
    ]);
  });

  it("a pod replaced under the same name (uid differs) is not used", () => {
    const stale = { ...eps, subsets: [{ ...eps.subsets![0]!, addresses: [{ ip: "1.1.1.1", nodeName: "n2", targetRef: { kind: "Pod", name: "b", namespace: "default", uid: "old" } }] }] };
    expect(backendsFor(sp, stale, ctx("n1"))).toEqual([]);
  });

  it("hand-written endpoints without a node are dialled directly; unnamed single port matches", () => {
    const manual: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ext", namespace: "default" }, subsets: [{ addresses: [{ ip: "127.0.0.9" }], ports: [{ port: 9000 }] }] };
    expect(backendsFor({ port: 80 }, manual, ctx("n1"))).toEqual([{ key: "127.0.0.9:9000", host: "127.0.0.9", port: 9000, local: true }]);
    expect(backendsFor({ port: 80 }, undefined, ctx("n1"))).toEqual([]);
  });

  it("publishedPort reads the annotation and tolerates junk", () => {
    expect(publishedPort(pods.get("a")!, 8080)).toEqual({ host: "127.0.0.2", port: 32001 });
    expect(publishedPort(pods.get("a")!, 9999)).toBeUndefined();
    const junk = { ...pods.get("a")!, metadata: { annotations: { "kctl.io/ports": "{nope" } } } as Pod;
    expect(publishedPort(junk, 8080)).toBeUndefined();
  });

  it("listeners: cluster IP per TCP port, node ports on every node address; headless/UDP/ExternalName none", () => {
    const l = desiredListeners(
      [
        svc("web", { type: "NodePort", clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, nodePort: 30080 }, { name: "dns", port: 53, protocol: "UDP", nodePort: 30053 }] }),
        svc("h", { clusterIP: "None", ports: [{ port: 80 }] }),
        svc("x", { type: "ExternalName", externalName: "example.com" }),
      ],
      ["127.0.0.2", "127.0.0.1"],
      true,
    );
    expect([...l.keys()].sort()).toEqual(["10.96.0.10:80", "127.0.0.1:30080", "127.0.0.2:30080"]);
    expect(l.get("127.0.0.2:30080")).toMatchObject({ service: "default/web", portName: "http", kind: "nodePort" });
    expect([...desiredListeners([svc("web", { clusterIP: "10.96.0.10", ports: [{ port: 80 }] })], [], false).keys()]).toEqual([]);
  });
});

describe("balancer", () => {
  const b = (k: string): Backend => ({ key: k, host: k, port: 1, local: true });
  const list = [b("a"), b("b"), b("c")];

  it("round-robins and gives the rest as fallbacks", () => {
    const bal = new Balancer();
    expect(bal.order(list, "x").map((x) => x.key)).toEqual(["a", "b", "c"]);
    expect(bal.order(list, "x").map((x) => x.key)).toEqual(["b", "c", "a"]);
    expect(bal.order(list, "x")[0]!.key).toBe("c");
    expect(bal.order(list, "x")[0]!.key).toBe("a");
    expect(bal.order([], "x")).toEqual([]);
    // A shrunk list keeps going without an out-of-range index.
    expect(bal.order([b("z")], "x")[0]!.key).toBe("z");
  });

  it("ClientIP affinity sticks to the backend that answered, until it expires or disappears", () => {
    let now = 0;
    const bal = new Balancer(1000, () => now);
    const first = bal.order(list, "1.1.1.1")[0]!;
    bal.connected("1.1.1.1", first);
    for (let i = 0; i < 5; i++) expect(bal.order(list, "1.1.1.1")[0]!.key).toBe(first.key);
    expect(bal.order(list, "2.2.2.2")[0]!.key).not.toBe(first.key);
    expect(bal.order(list.filter((x) => x.key !== first.key), "1.1.1.1")[0]!.key).not.toBe(first.key);
    now = 2000;
    const seen = new Set(Array.from({ length: 3 }, () => bal.order(list, "1.1.1.1")[0]!.key));
    expect(seen.size).toBe(3);
  });
});

describe("service env vars", () => {
  it("builds the Kubernetes variables for services of the pod's namespace", () => {
    const p = { metadata: { name: "p", namespace: "default" }, spec: { containers: [] } } as unknown as Pod;
    const env = serviceEnvVars(p, [
      svc("redis-primary", { clusterIP: "10.96.0.11", ports: [{ name: "redis", port: 6379, protocol: "TCP" }, { name: "metrics", port: 9121 }] }),
      svc("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      svc("other", { clusterIP: "10.96.0.12", ports: [{ port: 80 }] }, "prod"),
    ]);
    expect(Object.fromEntries(env)).toEqual({
      REDIS_PRIMARY_SERVICE_HOST: "10.96.0.11",
      REDIS_PRIMARY_SERVICE_PORT: "6379",
      REDIS_PRIMARY_SERVICE_PORT_REDIS: "6379",
      REDIS_PRIMARY_SERVICE_PORT_METRICS: "9121",
      REDIS_PRIMARY_PORT: "tcp://10.96.0.11:6379",
      REDIS_PRIMARY_PORT_6379_TCP: "tcp://10.96.0.11:6379",
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: "tcp",
      REDIS_PRIMARY_PORT_6379_TCP_PORT: "6379",
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: "10.96.0.11",
      REDIS_PRIMARY_PORT_9121_TCP: "tcp://10.96.0.11:9121",
      REDIS_PRIMARY_PORT_9121_TCP_PROTO: "tcp",
      REDIS_PRIMARY_PORT_9121_TCP_PORT: "9121",
      REDIS_PRIMARY_PORT_9121_TCP_ADDR: "10.96.0.11",
    });
    const off = { ...p, spec: { containers: [], enableServiceLinks: false } } as unknown as Pod;
    expect(serviceEnvVars(off, [svc("a", { clusterIP: "10.96.0.2", ports: [{ port: 1 }] })]).size).toBe(0);
  });
});

describe("addresses", () => {
  it("cidrContains", () => {
    expect(cidrContains("10.96.0.0/12", "10.111.255.254")).toBe(true);
    expect(cidrContains("10.96.0.0/12", "10.112.0.1")).toBe(false);
    expect(cidrContains("10.96.0.0/12", "nope")).toBe(false);
  });
  it("node DNS addresses are stable per node, distinct sequences, inside 169.254.20.10-249", () => {
    const a = dnsAddressCandidates("node-a");
    expect(a).toEqual(dnsAddressCandidates("node-a"));
    expect(new Set(a).size).toBe(240);
    expect(a[0]).not.toBe(dnsAddressCandidates("node-b")[0]);
    for (const ip of a) expect(Number(ip.split(".")[3])).toBeGreaterThanOrEqual(10);
  });
});
