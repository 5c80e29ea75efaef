/**
 * The StatefulSet controller against a real API server (TLS, so the real kubectl can talk to it
 * too), the real scheduler and simulated nodes. One set `db` lives through the whole file, and a
 * pod watch checks Kubernetes' ordering guarantee at every event: a pod is never created before
 * every lower ordinal is Running and Ready. (The volume binder and the scheduler's VolumeBinding
 * provision the local-path claims on the simulated nodes, which mount nothing; these tests look
 * only at what the StatefulSet controller does with pods, claims and revisions.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControllerManager } from "../../controllers/index.js";
import { ApiClient } from "../../lib/client.js";
import type { ControllerRevision, Event as CoreEvent, PersistentVolumeClaim, Pod, StatefulSet, WatchEvent } from "../../lib/types.js";
import { startScheduler } from "../../scheduler/index.js";
import { startSimulatedNodes } from "../../simnode/index.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { eventually } from "../helpers/eventually.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { isReady, live, logger } from "./controllers-harness.js";


let server: TestServer;
let client: ApiClient;
const stops: (() => Promise<void>)[] = [];

/** Pod state as the watch saw it, and every ordering violation it saw. */
const state = new Map<string, Pod>();
const violations: string[] = [];
/** Pod names in the order they started terminating (first deletionTimestamp or DELETED). */
let terminations: string[] = [];
let stopWatch: (() => void) | undefined;

const ordinal = (name: string): number => Number(name.slice("db-".length));

function onPodEvent(ev: WatchEvent<Pod>): void {
  if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
  const name = ev.object.metadata.name ?? "";
  const before = state.get(name);
  if (ev.type === "ADDED") {
    for (let k = 0; k < ordinal(name); k++) {
      const lower = state.get(`db-${k}`);
      if (!lower || !live(lower) || !isReady(lower)) violations.push(`${name} created while db-${k} was ${lower ? (live(lower) ? "not ready" : "terminating") : "missing"}`);
    }
  }
  const terminating = ev.type === "DELETED" || Boolean(ev.object.metadata.deletionTimestamp);
  if (terminating && before && !before.metadata.deletionTimestamp) terminations.push(name);
  if (ev.type === "DELETED") state.delete(name);
  else state.set(name, ev.object);
}

const get = () => client.get<StatefulSet>("StatefulSet", "db", "default");
/** The set rolled out: observed, every pod ready and at the update revision, and current = update. */
async function rolledOut(replicas: number): Promise<StatefulSet | undefined> {
  const s = await get();
  const st = s.status;
  const ok = st && st.observedGeneration === s.metadata.generation && st.readyReplicas === replicas && st.replicas === replicas && st.updatedReplicas === replicas && st.currentRevision === st.updateRevision;
  return ok ? s : undefined;
}
const pods = async () => (await client.list<Pod>("Pod", { namespace: "default", labelSelector: "app=db" })).items.filter(live).sort((a, b) => ordinal(a.metadata.name ?? "") - ordinal(b.metadata.name ?? ""));
const images = async () => (await pods()).map((p) => `${p.metadata.name}=${p.spec.containers[0].image}`);
const claims = async () => (await client.list<PersistentVolumeClaim>("PersistentVolumeClaim", { namespace: "default" })).items;
const revisions = async () => (await client.list<ControllerRevision>("ControllerRevision", { namespace: "default" })).items;
const setImage = (image: string, extra: Record<string, unknown> = {}) => client.patch("StatefulSet", "db", { spec: { ...extra, template: { spec: { containers: [{ name: "db", image }] } } } }, { namespace: "default" });
const k = (...args: string[]) => kctl(["--kubeconfig", server.kubeconfigPath, ...args]);

const kubectl = (...args: string[]) => kubectlAgainst(server, args);

beforeAll(async () => {
  // kubectl is part of the test environment: fail, naming it, rather than skip.
  assertKubectl("these tests read the StatefulSet's rollout with the real kubectl");
  server = await startTestServer({ tls: true });
  client = server.client;
  const mk = () => new ApiClient({ server: server.url, token: server.token, ca: server.caPem });
  const nodes = await startSimulatedNodes({ client: mk(), logger, count: 3, heartbeatMs: 1000 });
  stops.push(() => nodes.stop());
  const scheduler = await startScheduler({ client: mk(), logger });
  stops.push(() => scheduler.stop());
  const cm = await startControllerManager({ client: mk(), logger });
  stops.push(() => cm.stop());
  const list = await client.list<Pod>("Pod", { namespace: "default" });
  const watch = client.watch<Pod>("Pod", { namespace: "default", labelSelector: "app=db", resourceVersion: list.metadata.resourceVersion }, onPodEvent);
  stopWatch = () => watch.stop();
});
afterAll(async () => {
  stopWatch?.();
  for (const stop of stops.reverse()) await stop();
  await server?.close();
});

describe("StatefulSet controller (real API server, simulated nodes)", () => {
  it("creates db-0, db-1, db-2 in order, each after the one before is Ready, with their claims", async () => {
    await client.create({ apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: "default" }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ port: 5432 }] } });
    const set: StatefulSet = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: "default" },
      spec: {
        replicas: 3,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "db:v1" }] } },
        volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    };
    await client.create(set);
    const s = await eventually("db rolled out", () => rolledOut(3));
    expect(violations).toEqual([]);

    const ps = await pods();
    expect(ps.map((p) => p.metadata.name)).toEqual(["db-0", "db-1", "db-2"]);
    for (const p of ps) {
      const name = p.metadata.name ?? "";
      expect(p.spec.hostname).toBe(name);
      expect(p.spec.subdomain).toBe("db");
      expect(p.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": name, "apps.kubernetes.io/pod-index": String(ordinal(name)), "controller-revision-hash": s.status?.updateRevision });
      expect(p.spec.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: `data-${name}` } }]);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "db", uid: s.metadata.uid, controller: true });
    }
    const cs = await claims();
    expect(cs.map((c) => c.metadata.name).sort()).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
    expect(cs.every((c) => c.metadata.labels?.app === "db" && !c.metadata.ownerReferences)).toBe(true);
    const revs = await revisions();
    expect(revs.map((r) => [r.metadata.name, r.revision])).toEqual([[s.status?.updateRevision, 1]]);

    const events = await eventually("creation events", async () => {
      const msgs = (await client.list<CoreEvent>("Event", { namespace: "default" })).items.filter((e) => e.involvedObject?.name === "db").map((e) => e.message);
      return msgs.includes("create Pod db-2 in StatefulSet db successful") && msgs;
    });
    expect(events).toContain("create Claim data-db-0 Pod db-0 in StatefulSet db success");
  });

  it("scales 3 -> 1 deleting db-2, then db-1, and keeps their claims", async () => {
    const before = new Map((await claims()).map((c) => [c.metadata.name, c.metadata.uid]));
    terminations = [];
    await client.patch("StatefulSet", "db", { spec: { replicas: 1 } }, { namespace: "default" });
    await eventually("db at 1 replica", () => rolledOut(1));
    await eventually("the watch saw both go", () => !state.has("db-1") && !state.has("db-2"));
    expect(terminations).toEqual(["db-2", "db-1"]);
    const after = new Map((await claims()).map((c) => [c.metadata.name, c.metadata.uid]));
    expect(after).toEqual(before);
  });

  it("scales back to 3 in order, reusing the same claims", async () => {
    const before = new Map((await claims()).map((c) => [c.metadata.name, c.metadata.uid]));
    await client.patch("StatefulSet", "db", { spec: { replicas: 3 } }, { namespace: "default" });
    await eventually("db at 3 replicas", () => rolledOut(3));
    expect(violations).toEqual([]);
    expect(new Map((await claims()).map((c) => [c.metadata.name, c.metadata.uid]))).toEqual(before);
  });

  it("a template change rolls db-2, db-1, db-0 in that order", async () => {
    terminations = [];
    await setImage("db:v2");
    const s = await eventually("db v2 rolled out", async () => {
      const s = await rolledOut(3);
      return s && (await images()).join() === "db-0=db:v2,db-1=db:v2,db-2=db:v2" && s;
    });
    expect(terminations).toEqual(["db-2", "db-1", "db-0"]);
    expect(violations).toEqual([]);
    const revs = (await revisions()).sort((a, b) => a.revision - b.revision);
    expect(revs.map((r) => r.revision)).toEqual([1, 2]);
    expect(revs[1].metadata.name).toBe(s.status?.currentRevision);
  });

  it("partition 2 updates only db-2; rollout status says so (kctl and kubectl)", async () => {
    terminations = [];
    await setImage("db:v3", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } });
    const st = await k("rollout", "status", "sts/db", "--timeout=30s");
    expect(st).toMatchObject({ code: 0 });
    expect(st.stdout.trim().split("\n").at(-1)).toBe("partitioned roll out complete: 1 new pods have been updated...");
    expect(await images()).toEqual(["db-0=db:v2", "db-1=db:v2", "db-2=db:v3"]);
    expect(terminations).toEqual(["db-2"]);
    const s = await get();
    expect(s.status).toMatchObject({ replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentReplicas: 2 });
    expect(s.status?.currentRevision).not.toBe(s.status?.updateRevision);

    const real = await kubectl("rollout", "status", "statefulset/db", "--timeout=10s");
    expect(real).toMatchObject({ code: 0, stdout: "partitioned roll out complete: 1 new pods have been updated...\n" });
  });

  it("rollout history lists the revisions; undo goes back to the previous template (kctl), then kubectl undo to revision 1", async () => {
    await client.patch("StatefulSet", "db", { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, { namespace: "default" });
    await eventually("db v3 everywhere", async () => (await rolledOut(3)) && (await images()).join() === "db-0=db:v3,db-1=db:v3,db-2=db:v3");

    const hist = await k("rollout", "history", "statefulset/db");
    expect(hist).toMatchObject({ code: 0 });
    expect(hist.stdout.split("\n").slice(1, 5).map((l) => l.trim().split(/\s+/))).toEqual([["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["2", "<none>"], ["3", "<none>"]]);

    const undo = await k("rollout", "undo", "sts/db");
    expect(undo).toMatchObject({ code: 0, stdout: "statefulset.apps/db rolled back\n" });
    const s = await eventually("db back on v2", async () => (await rolledOut(3)) && (await images()).join() === "db-0=db:v2,db-1=db:v2,db-2=db:v2" && get());
    // The v2 revision is reused and renumbered, as Kubernetes does.
    const revs = await revisions();
    expect(revs.find((r) => r.metadata.name === s.status?.currentRevision)?.revision).toBe(4);
    expect(revs.map((r) => r.revision).sort()).toEqual([1, 3, 4]);

    const realHist = await kubectl("rollout", "history", "sts/db");
    expect(realHist.code).toBe(0);
    expect(realHist.stdout.split("\n").slice(1, 5).map((l) => l.trim().split(/\s+/))).toEqual([["REVISION", "CHANGE-CAUSE"], ["1", "<none>"], ["3", "<none>"], ["4", "<none>"]]);
    const realUndo = await kubectl("rollout", "undo", "sts/db", "--to-revision=1");
    expect(realUndo).toMatchObject({ code: 0, stdout: "statefulset.apps/db rolled back\n" });
    await eventually("db back on v1", async () => (await rolledOut(3)) && (await images()).join() === "db-0=db:v1,db-1=db:v1,db-2=db:v1");
    expect(violations).toEqual([]);
  });

  it("a deleted pod is recreated with the same name and claim", async () => {
    const old = (await pods()).find((p) => p.metadata.name === "db-1");
    await client.delete("Pod", "db-1", { namespace: "default" });
    const again = await eventually("db-1 back and ready", async () => {
      const p = (await pods()).find((x) => x.metadata.name === "db-1");
      return p && p.metadata.uid !== old?.metadata.uid && isReady(p) && p;
    });
    expect(again.spec.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "data-db-1" } }]);
  });
});

describe("claim retention policy Delete (with the garbage collector)", () => {
  /** Gone, or being deleted (the pvc-protection finalizer is the volume binder's to remove). */
  const collected = async (name: string) => {
    const c = (await claims()).find((x) => x.metadata.name === name);
    return !c || Boolean(c.metadata.deletionTimestamp);
  };

  it("whenScaled=Delete collects the claim of a scaled-down pod; whenDeleted=Delete those of a deleted set", async () => {
    const set: StatefulSet = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "cache", namespace: "default" },
      spec: {
        replicas: 2,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: { app: "cache" } },
        template: { metadata: { labels: { app: "cache" } }, spec: { containers: [{ name: "cache", image: "cache:v1" }] } },
        volumeClaimTemplates: [{ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" },
      },
    };
    const created = await client.create<StatefulSet>(set);
    await eventually("cache ready", async () => (await client.get<StatefulSet>("StatefulSet", "cache", "default")).status?.readyReplicas === 2);
    const owned = (await claims()).filter((c) => c.metadata.name?.startsWith("data-cache-"));
    expect(owned.map((c) => [c.metadata.name, c.metadata.ownerReferences?.map((r) => r.uid)])).toEqual([
      ["data-cache-0", [created.metadata.uid]],
      ["data-cache-1", [created.metadata.uid]],
    ]);

    await client.patch("StatefulSet", "cache", { spec: { replicas: 1 } }, { namespace: "default" });
    await eventually("data-cache-1 collected with its pod", () => collected("data-cache-1"));
    expect(await collected("data-cache-0")).toBe(false);

    await client.delete("StatefulSet", "cache", { namespace: "default" });
    await eventually("data-cache-0 collected with the set", () => collected("data-cache-0"));
  });
});
