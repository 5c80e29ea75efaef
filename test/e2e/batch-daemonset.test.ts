/**
 * A DaemonSet on a 3-node lab on real Docker (kubelets on 127.x.y.2-4): exactly one pod per
 * node, a fourth kubelet joining gets its pod, deleting that node removes it, and an image change
 * rolls node by node with never more than maxUnavailable (1) node without a Ready pod.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubelet, type Kubelet } from "../../kubelet/index.js";
import { silentLogger } from "../../lib/logger.js";
import type { DaemonSet, Pod } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { TEST_RUN_LABEL } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startSvcCluster, type SvcCluster } from "./services-cluster.js";

let c: SvcCluster;
beforeAll(async () => {
  c = await startSvcCluster("ds", 3, { images: ["kctl-test/busybox:v1"] });
}, 60_000);
afterAll(async () => {
  await c?.close();
});

const image = (tag: string) => `kctl-test/busybox:${tag}`;
const live = async () => (await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=agent" })).items.filter((p) => !p.metadata.deletionTimestamp);
const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false;

describe("DaemonSet on a real 3-node lab", () => {
  it("runs one pod per node, follows a joining and a deleted node, and rolls within maxUnavailable", async () => {
    const daemon: DaemonSet = {
      apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "agent" } },
        template: {
          metadata: { labels: { app: "agent" } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "agent", image: image("v1"), imagePullPolicy: "Never", command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"] }] },
        },
      },
    };
    await c.client.create(daemon, "default");
    await eventually("3 ready, one per node", async () => {
      const ps = await live();
      return ps.length === 3 && ps.every(ready) && new Set(ps.map((p) => p.spec.nodeName)).size === 3;
    }, { timeoutMs: 60_000 });

    const [a, b] = c.nodes[0]!.ip.split(".").slice(1, 3);
    const fourth = { name: `${c.run}-n4`, ip: `127.${a}.${b}.5` };
    const k4: Kubelet = await startKubelet({ client: c.client, logger: silentLogger(), nodeName: fourth.name, nodeIP: fourth.ip, containerLabels: { [TEST_RUN_LABEL]: c.run }, dataDir: `${c.srv.dataDir}/kubelet-${fourth.name}`, heartbeatSeconds: 1 });
    try {
      await eventually("a pod on the fourth node", async () => (await live()).some((p) => p.spec.nodeName === fourth.name && ready(p)), { timeoutMs: 60_000 });
      const table = await kctl(["--kubeconfig", c.srv.kubeconfigPath, "get", "ds"]);
      expect(table.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
      expect(table.stdout).toMatch(/^agent\s+4\s+4\s+4\s+4\s+4\s+<none>\s+\S+$/m);
    } finally {
      await k4.stop().catch(() => undefined);
    }
    await c.client.delete("Node", fourth.name);
    await eventually("its pod gone", async () => !(await live()).some((p) => p.spec.nodeName === fourth.name), { timeoutMs: 30_000 });

    // Roll a template change (a new env value): at most one node without a Ready pod at any time.
    const list = await c.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=agent" });
    const pods = new Map(list.items.map((p) => [p.metadata.uid ?? "", p]));
    let worst = 0;
    const watch = c.client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=agent", resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") pods.delete(ev.object.metadata.uid ?? "");
      else if (ev.type === "ADDED" || ev.type === "MODIFIED") pods.set(ev.object.metadata.uid ?? "", ev.object);
      const servingNodes = new Set([...pods.values()].filter((p) => !p.metadata.deletionTimestamp && ready(p)).map((p) => p.spec.nodeName));
      worst = Math.max(worst, 3 - servingNodes.size);
    });
    try {
      const cur = await c.client.get<DaemonSet>("DaemonSet", "agent", "default");
      cur.spec.template.spec.containers[0]!.env = [{ name: "VERSION", value: "2" }];
      await c.client.update(cur);
      await eventually("all updated and ready", async () => {
        const ps = await live();
        return ps.length === 3 && ps.every((p) => p.spec.containers[0]!.env?.[0]?.value === "2" && ready(p));
      }, { timeoutMs: 90_000 });
    } finally {
      watch.stop();
    }
    expect(worst).toBe(1);
  }, 240_000);
});
