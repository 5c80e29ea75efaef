/**
 * Image pulls on a real engine: from a local registry (Debian's docker-registry on
 * 127.0.0.1:5000, started by scripts/local-registry.sh), a pull failure going ErrImagePull ->
 * ImagePullBackOff with the engine's message, and ErrImageNeverPull.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event, Pod } from "../../lib/types.js";
import { dockerCli, isReady, startKubeletCluster, type KubeletCluster } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

const REG_IMAGE = "127.0.0.1:5000/kctl-test/web:pull";
let c: KubeletCluster;
let node: string;

beforeAll(async () => {
  await promisify(execFile)("bash", ["scripts/local-registry.sh"], { timeout: 120_000 });
  c = await startKubeletCluster({ prefix: "kt-img", kubelet: { backoffBaseMs: 500, backoffCapMs: 2000 } });
  node = c.nodes[0]!;
}, 150_000);
afterAll(async () => {
  await c?.close();
});

const pod = (name: string, image: string, policy: "Always" | "IfNotPresent" | "Never"): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, imagePullPolicy: policy }] },
});
const getPod = (name: string) => c.client.get<Pod>("Pod", name, "default").catch(() => undefined);
const waitingReason = async (name: string) => (await getPod(name))?.status?.containerStatuses?.[0]?.state?.waiting;

describe("kubelet images", () => {
  it("pulls a missing image from the local registry (Pulling, Pulled) and runs it", async () => {
    await dockerCli("rmi", "-f", REG_IMAGE).catch(() => "");
    await c.client.create(pod("pulled", REG_IMAGE, "IfNotPresent"));
    await eventually("pulled pod Ready", async () => {
      const p = await getPod("pulled");
      return p && isReady(p);
    }, { timeoutMs: 30_000 });
    const reasons = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === "pulled").map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Pulling", "Pulled", "Created", "Started"]));
  });

  it("a missing image shows ErrImagePull, then ImagePullBackOff, with the engine's message", async () => {
    await c.client.create(pod("nope", "127.0.0.1:5000/kctl-test/nope:v1", "IfNotPresent"));
    const seen = new Set<string>();
    let message = "";
    await eventually("ErrImagePull and ImagePullBackOff", async () => {
      const w = await waitingReason("nope");
      if (w?.reason) seen.add(w.reason);
      if (w?.reason === "ErrImagePull") message = w.message ?? "";
      return seen.has("ErrImagePull") && seen.has("ImagePullBackOff");
    }, { timeoutMs: 20_000, intervalMs: 25 });
    expect(message).toMatch(/127\.0\.0\.1:5000\/kctl-test\/nope:v1/);
    expect(message).toMatch(/not found|unknown|manifest/i);
    const p = await getPod("nope");
    expect(p?.status?.phase).toBe("Pending");
    const reasons = (await c.client.list<Event>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject.name === "nope").map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Pulling", "Failed", "BackOff"]));
  });

  it("Never with a missing image shows ErrImageNeverPull", async () => {
    await c.client.create(pod("never", "kctl-test/absent:v9", "Never"));
    const w = await eventually("ErrImageNeverPull", async () => {
      const x = await waitingReason("never");
      return x?.reason === "ErrImageNeverPull" ? x : undefined;
    });
    expect(w.message).toMatch(/not present with pull policy of Never/);
  });
});
