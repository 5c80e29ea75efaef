/**
 * A StatefulSet's ordering on real containers (one kubelet, the real Docker engine, the real
 * kctl): a pod watch records every creation and termination; db-1 is never created before db-0
 * is Ready; a rolling update through `kctl set image` replaces db-2, db-1, db-0 in that order;
 * with partition 2 only db-2 moves; `kctl rollout undo` goes back; scale 3 -> 1 removes db-2 then
 * db-1 and keeps their claims.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PersistentVolumeClaim, Pod, StatefulSet, WatchEvent } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { isReady } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { startSvcCluster, type SvcCluster } from "./services-cluster.js";

let c: SvcCluster;
const k = (...args: string[]) => kctl(["--server", c.srv.url, "--token", c.srv.token, ...args]);
const pods = new Map<string, Pod>();
const created: string[] = [];
const terminated: string[] = [];
const violations: string[] = [];
let stopWatch: (() => void) | undefined;

function onPod(ev: WatchEvent<Pod>): void {
  if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
  const name = ev.object.metadata.name ?? "";
  if (!name.startsWith("db-")) return;
  const before = pods.get(name);
  if (ev.type === "ADDED") {
    created.push(name);
    const ord = Number(name.slice(3));
    for (let i = 0; i < ord; i++) {
      const lower = pods.get(`db-${i}`);
      if (!lower || lower.metadata.deletionTimestamp || !isReady(lower)) violations.push(`${name} created before db-${i} was Ready`);
    }
  }
  if ((ev.type === "DELETED" || ev.object.metadata.deletionTimestamp) && before && !before.metadata.deletionTimestamp) terminated.push(name);
  if (ev.type === "DELETED") pods.delete(name);
  else pods.set(name, ev.object);
}

const images = () => [0, 1, 2].map((i) => pods.get(`db-${i}`)?.spec.containers[0]?.image);
async function allReadyOn(image: string, n = 3): Promise<boolean> {
  const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
  return live.length === n && live.every((p) => isReady(p) && p.spec.containers[0]?.image === image);
}

beforeAll(async () => {
  c = await startSvcCluster("sts", 1);
  const list = await c.client.list<Pod>("Pod", { namespace: "default" });
  stopWatch = c.client.watch<Pod>("Pod", { namespace: "default", resourceVersion: list.metadata?.resourceVersion }, onPod).stop;
  const sts: StatefulSet = {
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "default" },
    spec: {
      replicas: 3, serviceName: "db", selector: { matchLabels: { app: "db" } },
      template: {
        metadata: { labels: { app: "db" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "db", image: "kctl-test/web:v1", imagePullPolicy: "IfNotPresent", ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1 }, volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        },
      },
      volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Mi" } } } }],
    },
  };
  await c.client.create(sts);
}, 60_000);
afterAll(async () => {
  stopWatch?.();
  await c?.close();
});

describe("a StatefulSet on real containers", () => {
  it("creates db-0, db-1, db-2 in order, each after the one before is Ready", async () => {
    await eventually("3 pods Ready on v1", () => allReadyOn("kctl-test/web:v1"), { timeoutMs: 60_000 });
    expect(created).toEqual(["db-0", "db-1", "db-2"]);
    expect(violations).toEqual([]);
    const status = await k("rollout", "status", "sts/db", "--timeout=30s");
    expect(status.code).toBe(0);
  }, 90_000);

  it("rolls an image change from the highest ordinal down: db-2, db-1, db-0", async () => {
    terminated.length = 0;
    expect((await k("set", "image", "sts/db", "db=kctl-test/web:v2")).stdout).toContain("statefulset.apps/db image updated");
    await eventually("3 pods Ready on v2", () => allReadyOn("kctl-test/web:v2"), { timeoutMs: 60_000 });
    expect(terminated).toEqual(["db-2", "db-1", "db-0"]);
    expect(violations).toEqual([]);
  }, 90_000);

  it("updates only the ordinals at or above the partition, and undo goes back", async () => {
    await c.client.patch("StatefulSet", "db", { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } } }, { namespace: "default" });
    terminated.length = 0;
    expect((await k("rollout", "undo", "sts/db")).code).toBe(0);
    await eventually("db-2 back on v1 and Ready", () => images().join() === "kctl-test/web:v2,kctl-test/web:v2,kctl-test/web:v1" && [...pods.values()].every((p) => isReady(p) && !p.metadata.deletionTimestamp), { timeoutMs: 60_000 });
    expect(terminated).toEqual(["db-2"]);
    const history = await k("rollout", "history", "sts/db");
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE/);
    // lift the partition: the rest follow, highest first
    await c.client.patch("StatefulSet", "db", { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, { namespace: "default" });
    await eventually("all back on v1", () => allReadyOn("kctl-test/web:v1"), { timeoutMs: 60_000 });
    expect(terminated).toEqual(["db-2", "db-1", "db-0"]);
  }, 120_000);

  it("scales 3 -> 1 from the highest ordinal, keeping the claims", async () => {
    terminated.length = 0;
    expect((await k("scale", "sts/db", "--replicas=1")).code).toBe(0);
    await eventually("only db-0 left", async () => [...pods.keys()].join() === "db-0", { timeoutMs: 60_000 });
    expect(terminated).toEqual(["db-2", "db-1"]);
    const claims = (await c.client.list<PersistentVolumeClaim>("PersistentVolumeClaim", { namespace: "default" })).items.map((x) => `${x.metadata.name}:${x.status?.phase}`).sort();
    expect(claims).toEqual(["data-db-0:Bound", "data-db-1:Bound", "data-db-2:Bound"]);
  }, 90_000);
});
