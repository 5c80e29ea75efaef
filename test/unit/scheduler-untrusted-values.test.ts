/**
 * Defence in depth (issue 21): a request the API server would refuse (negative, unparseable)
 * never lowers a node's accounted usage, whoever stored it.
 */
import { describe, expect, it } from "vitest";
import { SchedulerCache } from "../../scheduler/cache.js";
import { buildPodInfo } from "../../scheduler/pod-info.js";
import { nodeResourcesFit } from "../../scheduler/plugins/node-resources-fit.js";
import { makeNode, makePod } from "../helpers/builders.js";

describe("scheduler: values it does not trust", () => {
  it.each([["-100"], ["-1m"], ["lots"], ["1e400"]])("a request of cpu %s counts as no request", (cpu) => {
    const info = buildPodInfo(makePod("p", { cpu }));
    expect(info.requests.milliCpu).toBe(0);
    expect(info.nonZeroRequests.milliCpu).toBeGreaterThan(0);
  });

  it("a bound pod asking cpu -100 does not make room for two 50-CPU pods on a 4-CPU node", () => {
    const cache = new SchedulerCache();
    cache.setNode(makeNode("n1", { cpu: "4" }));
    cache.setPod(makePod("negative", { cpu: "-100", nodeName: "n1" }));
    const big = buildPodInfo(makePod("big", { cpu: "50" }));
    const node = cache.node("n1")!;
    expect(node.requested.milliCpu).toBe(0);
    expect(nodeResourcesFit(big, node)).not.toBe(true);
  });
});
