/**
 * Objects of the eleven core kinds whose tables (`kctl get`, the server's meta.k8s.io Table,
 * `kubectl get`) the printer tests pin: each kind in the states its columns tell apart (a pod
 * running with restarts and one pending, every Service type, endpoints past the "+ N more"
 * cut-off, a cordoned node without status, repeated events, ...). Namespaced objects go to
 * namespace `tables`.
 *
 * Times that a table shows other than AGE (restarts "ago", event LAST SEEN / FIRST SEEN) are set
 * 10 s past a whole minute in the past, so the printed value holds for 50 s after `now`.
 */
import type { ApiClient } from "../../lib/client.js";
import { rfc3339 } from "../../lib/timestamps.js";
import type { KObject } from "../../lib/types.js";

export const TABLES_NS = "tables";

const template = (app: string, containers: { name: string; image: string }[]) => ({
  metadata: { labels: { app, tier: "front" } },
  spec: { containers },
});

/** Create the fixtures through `client`; `now` is the test's clock at the start. */
export async function createTableFixtures(client: ApiClient, now = Date.now()): Promise<void> {
  const ago = (minutes: number) => rfc3339(new Date(now - minutes * 60_000 - 10_000));
  const ns = TABLES_NS;
  const create = (o: Record<string, unknown>) => client.create(o as KObject);
  const withStatus = async (o: Record<string, unknown>, status: Record<string, unknown>) => {
    const made = await client.create(o as KObject);
    await client.updateStatus({ ...made, status } as KObject);
  };

  await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { team: "print" } } });

  await withStatus(
    { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: ns, labels: { app: "web" } }, spec: { nodeName: "node-a", containers: [{ name: "app", image: "busybox:1" }, { name: "log", image: "busybox:2" }] } },
    {
      phase: "Running",
      podIP: "10.244.1.7",
      podIPs: [{ ip: "10.244.1.7" }],
      nominatedNodeName: "node-b",
      containerStatuses: [
        { name: "app", ready: true, restartCount: 2, image: "busybox:1", imageID: "", state: { running: { startedAt: ago(5) } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(15) } } },
        { name: "log", ready: false, restartCount: 0, image: "busybox:2", imageID: "", state: { waiting: { reason: "CrashLoopBackOff" } } },
      ],
    },
  );
  await create({ apiVersion: "v1", kind: "Pod", metadata: { name: "pending", namespace: ns }, spec: { containers: [{ name: "c", image: "busybox" }] } });

  await withStatus(
    {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: ns, labels: { app: "web" } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { tier: "front", app: "web" }, matchExpressions: [{ key: "track", operator: "NotIn", values: ["canary", "beta"] }] },
        template: template("web", [{ name: "app", image: "busybox:1" }, { name: "log", image: "busybox:2" }]),
      },
    },
    { replicas: 3, readyReplicas: 2, updatedReplicas: 1, availableReplicas: 2 },
  );
  await create({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "idle", namespace: ns }, spec: { replicas: 0, selector: { matchLabels: { app: "idle" } }, template: template("idle", [{ name: "c", image: "busybox" }]) } });

  await withStatus(
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-5d8f", namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { tier: "front", app: "web" } }, template: template("web", [{ name: "app", image: "busybox:1" }]) } },
    { replicas: 2, readyReplicas: 1 },
  );

  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "a-cluster", namespace: ns }, spec: { clusterIP: "10.96.0.50", selector: { tier: "front", app: "web" }, ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] } });
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "b-nodeport", namespace: ns }, spec: { type: "NodePort", clusterIP: "10.96.0.51", externalIPs: ["192.0.2.1"], selector: { app: "web" }, ports: [{ port: 80, nodePort: 30080 }] } });
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "c-lb", namespace: ns }, spec: { type: "LoadBalancer", clusterIP: "10.96.0.52", ports: [{ port: 443, nodePort: 30443 }] } });
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "d-external", namespace: ns }, spec: { type: "ExternalName", externalName: "db.example.com" } });
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "e-headless", namespace: ns }, spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 8080, protocol: "TCP" }] } });

  await create({
    apiVersion: "v1", kind: "Endpoints", metadata: { name: "many", namespace: ns },
    subsets: [
      { addresses: [{ ip: "10.244.1.1" }, { ip: "10.244.1.2" }], ports: [{ port: 80 }, { name: "m", port: 9090 }] },
      { addresses: [{ ip: "10.244.2.1" }], ports: [{ port: 80 }] },
    ],
  });
  await create({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "one", namespace: ns }, subsets: [{ addresses: [{ ip: "10.244.3.3" }], ports: [{ port: 8080 }] }] });
  await create({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "portless", namespace: ns }, subsets: [{ addresses: [{ ip: "10.244.4.4" }] }] });
  await create({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "empty", namespace: ns } });

  await withStatus(
    { apiVersion: "v1", kind: "Node", metadata: { name: "node-a", labels: { "node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "worker" } } },
    {
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
      addresses: [{ type: "InternalIP", address: "192.168.1.10" }, { type: "Hostname", address: "node-a" }],
      nodeInfo: { kubeletVersion: "v1.30.0-kctl", osImage: "Debian GNU/Linux 12", kernelVersion: "6.1.0", containerRuntimeVersion: "docker://27.1.1" },
    },
  );
  await withStatus(
    { apiVersion: "v1", kind: "Node", metadata: { name: "node-b" }, spec: { unschedulable: true } },
    { conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }], addresses: [{ type: "ExternalIP", address: "203.0.113.9" }] },
  );
  await create({ apiVersion: "v1", kind: "Node", metadata: { name: "node-c" } });

  await create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: ns }, data: { a: "1", b: "2" }, binaryData: { c: "AAE=" } });
  await create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "void", namespace: ns } });

  await create({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: ns }, data: { user: "YQ==", pass: "Yg==" } });
  await create({ apiVersion: "v1", kind: "Secret", metadata: { name: "token", namespace: ns }, type: "example.com/token", data: { t: "eA==" } });

  await create({
    apiVersion: "v1", kind: "Event", metadata: { name: "web-0.1", namespace: ns },
    involvedObject: { kind: "Pod", name: "web-0", namespace: ns, fieldPath: "spec.containers{app}" },
    type: "Warning", reason: "BackOff", message: "Back-off restarting failed container  ",
    source: { component: "kubelet", host: "node-a" }, firstTimestamp: ago(60), lastTimestamp: ago(15), count: 4,
  });
  await create({
    apiVersion: "v1", kind: "Event", metadata: { name: "web-0.2", namespace: ns },
    involvedObject: { kind: "Pod", name: "web-0", namespace: ns },
    type: "Normal", reason: "Scheduled", message: "Successfully assigned tables/web-0 to node-a",
    source: { component: "default-scheduler" }, firstTimestamp: ago(70), lastTimestamp: ago(70), count: 1,
  });
  await create({
    apiVersion: "v1", kind: "Event", metadata: { name: "ns.3", namespace: ns },
    involvedObject: { kind: "Namespace" }, type: "Normal", reason: "Tidy", message: "tidied",
    reportingComponent: "tidier", firstTimestamp: ago(20),
  });

  await create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "leader", namespace: ns }, spec: { holderIdentity: "controller-1", leaseDurationSeconds: 15 } });
  await create({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "free", namespace: ns }, spec: {} });
}
