/**
 * Zero downtime through a NodePort: client loops send requests (a fresh connection each, as
 * `curl` in a loop does) while a 5-replica Deployment with a readiness probe, maxSurge 1 and
 * maxUnavailable 0 rolls from web:v1 to web:v2 and back (the rollback re-applies the v1 template,
 * which is what `rollout undo` writes). Every request must succeed, and the answers must switch
 * v1 -> v2 -> v1. What makes it work: a terminating pod leaves the Endpoints at once, the proxy
 * stops choosing it from the next connection on, and the preStop hook keeps it serving for the
 * connections already in flight; a new pod joins only once its readiness probe passes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Endpoints, Pod, Service } from "../../lib/types.js";
import { deployment, isReady, podsOf } from "../helpers/docker.js";
import { httpGet, startSvcCluster, type SvcCluster } from "./services-cluster.js";
import { eventually } from "../helpers/eventually.js";

let c: SvcCluster;
let nodePort = 0;

beforeAll(async () => {
  c = await startSvcCluster("svc-roll", 1);
}, 60_000);
afterAll(async () => {
  await c?.close();
});

/** Wait until the Deployment runs `image` on all 5 replicas and nothing else is left. */
async function rolledOut(image: string): Promise<void> {
  await eventually(`rollout to ${image}`, async () => {
      const d = await c.client.get<Deployment>("Deployment", "roll", "default");
      const s = d.status ?? {};
      if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0) || s.updatedReplicas !== 5 || s.replicas !== 5 || s.availableReplicas !== 5) return false;
      const pods = await podsOf(c.client, "roll");
      // A strategic merge patch keeps the probe and the hook (a merge patch would drop them with the list).
      return pods.length === 5 && pods.every((p) => isReady(p) && !p.metadata.deletionTimestamp && p.spec.containers[0]!.image === image && p.spec.containers[0]!.lifecycle?.preStop);
    }, { timeoutMs: 60_000, intervalMs: 100 });
}

describe("zero-downtime rolling update through a NodePort", () => {
  it("5 replicas, v1 -> v2 -> v1 (rollback): every request answered, versions switch", async () => {
    const dep = deployment("roll", 5, {
      readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 },
      // Keep serving while every proxy forgets this pod (they do within milliseconds).
      lifecycle: { preStop: { exec: { command: ["sleep", "1"] } } },
    }, { terminationGracePeriodSeconds: 5 });
    dep.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    const svc = await c.client.create<Service>({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "roll", namespace: "default" },
      spec: { type: "NodePort", selector: { app: "roll" }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    nodePort = svc.spec.ports![0]!.nodePort!;
    await c.client.create(dep);
    await rolledOut("kctl-test/web:v1");
    await eventually("5 endpoints", async () => ((await c.client.get<Endpoints>("Endpoints", "roll", "default")).subsets?.[0]?.addresses?.length ?? 0) === 5, { timeoutMs: 10_000 });
    const host = c.nodes[0]!.ip;

    // Bounded client loops: stop on the flag, or after 50 000 requests each whatever happens.
    let stop = false;
    const versions: string[] = [];
    const failures: string[] = [];
    let total = 0;
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 50_000 && !stop; i++) {
        try {
          const r = await httpGet(host, nodePort, "/", 5000);
          total++;
          if (r.status !== 200) failures.push(`HTTP ${r.status}: ${r.body}`);
          else {
            const v = r.body.split(" ")[0]!;
            if (versions[versions.length - 1] !== v) versions.push(v);
          }
        } catch (e) {
          total++;
          failures.push((e as Error).message);
        }
      }
    };
    const loops = [loop(), loop(), loop()];
    const t0 = Date.now();
    await eventually("the client loops running", () => total > 50, { timeoutMs: 5000 });

    await c.client.patch<Deployment>("Deployment", "roll", { spec: { template: { spec: { containers: [{ name: "web", image: "kctl-test/web:v2" }] } } } }, { namespace: "default", type: "strategic" });
    await rolledOut("kctl-test/web:v2");
    const afterUpdate = versions.length;
    await c.client.patch<Deployment>("Deployment", "roll", { spec: { template: { spec: { containers: [{ name: "web", image: "kctl-test/web:v1" }] } } } }, { namespace: "default", type: "strategic" });
    await rolledOut("kctl-test/web:v1");
    // A few more answers from the final state.
    const end = total + 50;
    await eventually("requests after the rollback", () => total >= end, { timeoutMs: 5000 });
    stop = true;
    await Promise.all(loops);

    const elapsed = Date.now() - t0;
    expect(failures, `${failures.length} of ${total} requests failed`).toEqual([]);
    expect(total).toBeGreaterThan(200);
    // v1 first, v2 seen during/after the update, v1 again at the end.
    expect(versions[0]).toBe("v1");
    expect(versions.slice(0, afterUpdate)).toContain("v2");
    expect(versions[versions.length - 1]).toBe("v1");
    expect(elapsed).toBeLessThan(60_000);
    const pods = await podsOf(c.client, "roll");
    expect(pods.map((p: Pod) => p.spec.containers[0]!.image)).toEqual(Array(5).fill("kctl-test/web:v1"));
  }, 120_000);
});
