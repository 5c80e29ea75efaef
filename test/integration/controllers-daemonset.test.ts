/**
 * DaemonSets against a real API server and the real controllers on simulated nodes: one pod per
 * node on 100 nodes, a joining node gets its pod and a deleted node loses it, nodeSelector and
 * taints decide eligibility (with the tolerations Kubernetes adds to daemon pods), an image change
 * rolls node by node never below desired - maxUnavailable available pods (checked at every pod
 * watch event), and a selector that does not match the template is 422.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInvalid } from "../../lib/errors.js";
import type { DaemonSet, Node, Pod } from "../../lib/types.js";
import { startSimulatedNodes } from "../../simnode/index.js";
import { kctl } from "../helpers/cli.js";
import { eventually } from "../helpers/eventually.js";
import { logger, startPlane, type Plane } from "./controllers-harness.js";

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 100 });
}, 60_000);
afterAll(async () => {
  await plane?.close();
});

const ds = (name: string, image: string, podSpec: Partial<Pod["spec"]> = {}, labels = { app: name }): DaemonSet => ({
  apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name, namespace: "default" },
  spec: {
    selector: { matchLabels: { app: name } },
    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 10 } },
    template: { metadata: { labels }, spec: { containers: [{ name: "agent", image }], ...podSpec } },
  },
});
const live = async (app: string) => (await plane.client.list<Pod>("Pod", { namespace: "default", labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
const status = async (name: string) => (await plane.client.get<DaemonSet>("DaemonSet", name, "default")).status;

describe("DaemonSet", () => {
  it("runs exactly one pod on each of 100 nodes, with the daemon tolerations", async () => {
    const t0 = performance.now();
    await plane.client.create(ds("agent", "agent:v1"), "default");
    await eventually("100 ready", async () => (await status("agent"))?.numberReady === 100, { timeoutMs: 60_000 });
    const ms = performance.now() - t0;
    const pods = await live("agent");
    expect(pods).toHaveLength(100);
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(100);
    expect(pods[0]!.spec.tolerations?.map((t) => t.key)).toContain("node.kubernetes.io/unreachable");
    expect(await status("agent")).toMatchObject({ desiredNumberScheduled: 100, currentNumberScheduled: 100, updatedNumberScheduled: 100, numberAvailable: 100, numberMisscheduled: 0 });
    expect(ms).toBeLessThan(60_000);
  }, 90_000);

  it("gives a joining node its pod and takes it away when the node is deleted", async () => {
    const extra = await startSimulatedNodes({ client: plane.client, logger, count: 1, namePrefix: "late" });
    try {
      await eventually("pod on the new node", async () => (await live("agent")).some((p) => p.spec.nodeName === "late-0") && (await status("agent"))?.desiredNumberScheduled === 101);
      await plane.client.delete("Node", "late-0");
      await eventually("pod gone with the node", async () => !(await live("agent")).some((p) => p.spec.nodeName === "late-0") && (await status("agent"))?.desiredNumberScheduled === 100, { timeoutMs: 15_000 });
    } finally {
      await extra.stop();
    }
  });

  it("rolls an image change node by node within maxUnavailable", async () => {
    const desired = 100;
    const maxUnavailable = 10;
    const list = await plane.client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=agent" });
    const pods = new Map(list.items.map((p) => [p.metadata.uid ?? "", p]));
    let minAvailable = Infinity;
    const available = () => [...pods.values()].filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    const watch = plane.client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=agent", resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") pods.delete(ev.object.metadata.uid ?? "");
      else if (ev.type === "ADDED" || ev.type === "MODIFIED") pods.set(ev.object.metadata.uid ?? "", ev.object);
      minAvailable = Math.min(minAvailable, available());
    });
    try {
      const cur = await plane.client.get<DaemonSet>("DaemonSet", "agent", "default");
      cur.spec.template.spec.containers[0]!.image = "agent:v2";
      await plane.client.update(cur);
      await eventually("rolled out", async () => {
        const s = await status("agent");
        const ps = await live("agent");
        return s?.updatedNumberScheduled === desired && s.numberAvailable === desired && ps.length === desired && ps.every((p) => p.spec.containers[0]!.image === "agent:v2");
      }, { timeoutMs: 60_000 });
    } finally {
      watch.stop();
    }
    const rs = await kctl(["--kubeconfig", plane.server.kubeconfigPath, "rollout", "status", "ds/agent", "--timeout=30s"]);
    expect(rs.stdout.trim().split("\n").pop()).toBe('daemon set "agent" successfully rolled out');
    expect(rs.code).toBe(0);
    expect(minAvailable).toBeGreaterThanOrEqual(desired - maxUnavailable);
    expect(minAvailable).toBeLessThan(desired);
  }, 90_000);

  it("keeps its history in ControllerRevisions: rollout history lists 1 and 2, undo goes back to agent:v1", async () => {
    const k = (...a: string[]) => kctl(["--kubeconfig", plane.server.kubeconfigPath, ...a]);
    await eventually("two revisions", async () => (await plane.client.list("ControllerRevision", { namespace: "default", labelSelector: "app=agent" })).items.length === 2);
    const h = await k("rollout", "history", "ds/agent");
    expect(h.stdout).toMatch(/^daemonset\.apps\/agent \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    const undo = await k("rollout", "undo", "ds/agent");
    expect(undo.stdout).toBe("daemonset.apps/agent rolled back\n");
    await eventually("back on v1", async () => {
      const ps = await live("agent");
      return ps.length === 100 && ps.every((p) => p.spec.containers[0]!.image === "agent:v1") && (await status("agent"))?.numberAvailable === 100;
    }, { timeoutMs: 60_000 });
    const after = await k("rollout", "history", "ds/agent");
    expect(after.stdout).toMatch(/^2\s+<none>\n3\s+<none>\n/m);
  }, 90_000);

  it("honours nodeSelector and taints", async () => {
    const node = await plane.client.get<Node>("Node", plane.nodes.nodeNames[0]!);
    await plane.client.patch("Node", node.metadata.name!, { metadata: { labels: { role: "edge" } } });
    await plane.client.create(ds("edge", "edge:v1", { nodeSelector: { role: "edge" } }), "default");
    await eventually("one pod, on the labelled node", async () => {
      const ps = await live("edge");
      return ps.length === 1 && ps[0]!.spec.nodeName === node.metadata.name && (await status("edge"))?.desiredNumberScheduled === 1;
    });
    await eventually("edge status", async () => (await status("edge"))?.numberReady === 1);
    const d = await kctl(["--kubeconfig", plane.server.kubeconfigPath, "describe", "ds", "edge"]);
    expect(d.stdout).toMatch(/^Node-Selector:\s+role=edge$/m);
    expect(d.stdout).toMatch(/^Desired Number of Nodes Scheduled:\s+1$/m);
    expect(d.stdout).toMatch(/^Pods Status:\s+1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    // NoSchedule keeps the running pod (only new ones are refused); NoExecute removes it.
    await plane.client.patch("Node", node.metadata.name!, { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } });
    await eventually("misscheduled but kept", async () => (await status("edge"))?.numberMisscheduled === 1);
    expect(await live("edge")).toHaveLength(1);
    await plane.client.patch("Node", node.metadata.name!, { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
    await eventually("the untolerated NoExecute taint removes it", async () => (await live("edge")).length === 0 && (await status("edge"))?.desiredNumberScheduled === 0);
  });

  it("refuses a selector that does not match the template with 422, storing nothing", async () => {
    const err = await plane.client.create(ds("bad", "x", {}, { app: "other" }), "default").catch((e: unknown) => e);
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toContain("spec.template.metadata.labels");
    await expect(plane.client.get("DaemonSet", "bad", "default")).rejects.toThrow(/not found/);
  });
});
