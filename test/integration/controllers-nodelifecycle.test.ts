import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node, Pod } from "../../lib/types.js";
import { isReady, live, podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

let plane: Plane;
beforeAll(async () => {
  // Short timeouts: heart-beats every 200 ms, silent after 1 s, evicted 1 s after that.
  plane = await startPlane({ nodes: 3, heartbeatMs: 200, controllers: { nodeMonitorGracePeriodSeconds: 1, podEvictionTimeoutSeconds: 1 } });
});
afterAll(async () => {
  await plane?.close();
});

describe("node lifecycle", () => {
  it("a node that stops heart-beating goes Ready=Unknown, is tainted, and its pods are recreated elsewhere", async () => {
    const { client, nodes } = plane;
    await client.create(makeDeployment("nl", 6));
    await eventually("nl rolled out", () => rolledOut(client, "nl"));
    const pods = (await podsOf(client, "nl")).filter(live);
    const victim = pods[0].spec.nodeName ?? "";
    const onVictim = pods.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
    expect(onVictim.length).toBeGreaterThan(0);

    nodes.stopNode(victim);
    const node = await eventually("node Unknown", async () => {
      const n = await client.get<Node>("Node", victim);
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "Unknown" ? n : undefined;
    }, { timeoutMs: 10_000 });
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    const tainted = await eventually("unreachable taints", async () => {
      const n = await client.get<Node>("Node", victim);
      return (n.spec?.taints ?? []).length >= 2 ? n : undefined;
    });
    expect(tainted.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);

    // Its pods are evicted (they stay Terminating: no kubelet confirms) and replaced on live nodes.
    await eventually("replacements ready elsewhere", async () => {
      const cur = await podsOf(client, "nl");
      const serving = cur.filter((p) => live(p) && isReady(p) && p.spec.nodeName !== victim);
      const evicted = cur.filter((p) => onVictim.includes(p.metadata.name)).every((p) => p.metadata.deletionTimestamp);
      return serving.length === 6 && evicted;
    }, { timeoutMs: 15_000 });
    const evictions = await client.list("Event", { namespace: "default" });
    expect(evictions.items.some((e) => (e as { reason?: string }).reason === "TaintManagerEviction")).toBe(true);
  });

  it("pods of a silent node are marked not ready at once", async () => {
    const { client } = plane;
    const leftover = (await podsOf(client, "nl")).filter((p) => p.metadata.deletionTimestamp);
    expect(leftover.every((p: Pod) => !isReady(p))).toBe(true);
  });
});
