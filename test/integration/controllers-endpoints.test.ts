import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoints, Service } from "../../lib/types.js";
import { podsOf, rolledOut, startPlane, type Plane } from "./controllers-harness.js";
import { makeDeployment } from "../helpers/builders.js";
import { eventually } from "../helpers/eventually.js";

let plane: Plane;
beforeAll(async () => {
  plane = await startPlane({ nodes: 2 });
});
afterAll(async () => {
  await plane?.close();
});

const svc = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http" }] },
});
const addresses = (ep: Endpoints) => (ep.subsets ?? []).flatMap((s) => s.addresses ?? []);

describe("Endpoints controller", () => {
  it("lists ready pods with the named target port, and follows pod deletions", async () => {
    const { client } = plane;
    await client.create(makeDeployment("ep", 3));
    await eventually("ep rolled out", () => rolledOut(client, "ep"));
    await client.create(svc("ep", { app: "ep" }));
    const ep = await eventually("endpoints with 3 addresses", async () => {
      const ep = await client.get<Endpoints>("Endpoints", "ep", "default").catch(() => undefined);
      return ep && addresses(ep).length === 3 ? ep : undefined;
    });
    expect(ep.subsets?.[0].ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const pods = await podsOf(client, "ep");
    expect(addresses(ep).map((a) => a.targetRef?.name).sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    expect(addresses(ep).every((a) => a.nodeName && a.ip)).toBe(true);

    const victim = pods[0];
    await client.delete("Pod", victim.metadata.name ?? "", { namespace: "default" });
    await eventually("victim dropped and replacement listed", async () => {
      const ep = await client.get<Endpoints>("Endpoints", "ep", "default");
      const names = addresses(ep).map((a) => a.targetRef?.name);
      return names.length === 3 && !names.includes(victim.metadata.name);
    });
  });

  it("leaves Services without a selector alone and removes Endpoints of deleted Services", async () => {
    const { client } = plane;
    await client.create(svc("manual"));
    const manual: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "manual", namespace: "default" }, subsets: [{ addresses: [{ ip: "192.0.2.1" }], ports: [{ port: 80 }] }] };
    await client.create(manual);
    await client.delete("Service", "ep", { namespace: "default" });
    await eventually("ep endpoints removed", async () => !(await client.get("Endpoints", "ep", "default").catch(() => undefined)));
    const still = await client.get<Endpoints>("Endpoints", "manual", "default");
    expect(addresses(still).map((a) => a.ip)).toEqual(["192.0.2.1"]);
  });
});
