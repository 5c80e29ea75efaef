/**
 * The pets app end to end, as a user runs it: `kctl apply -f manifests/pets/` verbatim (a
 * PostgreSQL-like StatefulSet with a claim template behind a headless Service, a web Deployment
 * that reaches `db` by name, a standalone claim), on two real nodes (kubelets on loopback
 * addresses, the real Docker engine). A row written through the web tier survives deleting the
 * db pod: the new db-0 gets the same claim, on the same node, and sees the data; db-0.db resolves
 * from another pod to db-0 and follows it; the real kubectl reads it all.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event, PersistentVolume, PersistentVolumeClaim, Pod, StatefulSet } from "../../lib/types.js";
import { kctl } from "../helpers/cli.js";
import { assertKubectl, kubectlAgainst } from "../helpers/kubectl.js";
import { isReady } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";
import { execInPod, httpGet, startSvcCluster, type SvcCluster } from "./services-cluster.js";

const PETS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../manifests/pets");

let c: SvcCluster;
const k = (...args: string[]) => kctl(["--kubeconfig", c.srv.kubeconfigPath, ...args]);
const kubectl = (...args: string[]) => kubectlAgainst(c.srv, args);

const pod = (name: string) => c.client.get<Pod>("Pod", name, "default");
const claim = (name: string) => c.client.get<PersistentVolumeClaim>("PersistentVolumeClaim", name, "default");
async function readyPods(prefix: string): Promise<Pod[]> {
  return (await c.client.list<Pod>("Pod", { namespace: "default" })).items.filter((p) => p.metadata.name?.startsWith(prefix) && isReady(p) && !p.metadata.deletionTimestamp);
}
/** GET a path of the web Service's node port on node 1, retried until `ok` (the proxy follows endpoints). */
async function web(p: string, ok: (body: string) => boolean, what: string): Promise<string> {
  let last = "";
  await eventually(what, async () => {
    try {
      last = (await httpGet(c.nodes[0]!.ip, 30083, p, 6000)).body;
    } catch (e) {
      last = (e as Error).message;
    }
    return ok(last);
  }, { timeoutMs: 30_000, intervalMs: 250 });
  return last;
}

beforeAll(async () => {
  assertKubectl("these tests check the API against the real kubectl");
  c = await startSvcCluster("pets", 2, { tls: true, images: ["kctl-test/pets-db:v1", "kctl-test/pets-web:v1", "kctl-test/busybox:v1"] });
}, 60_000);
afterAll(async () => {
  await c?.close();
});

describe("the pets app on kctl", () => {
  it("applies verbatim and comes up: db-0 on a provisioned claim, the web tier reaching db by name", async () => {
    const applied = await k("apply", "-f", PETS);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("statefulset.apps/db created");
    expect(applied.stdout).toContain("persistentvolumeclaim/pets-backup created");
    await eventually("db-0, 2 web pods and the backup pod Ready", async () => (await readyPods("db-")).length === 1 && (await readyPods("web-")).length === 2 && (await readyPods("backup")).length === 1, { timeoutMs: 60_000 });
    const data = await claim("pets-data-db-0");
    expect(data.status?.phase).toBe("Bound");
    const pv = await c.client.get<PersistentVolume>("PersistentVolume", data.spec.volumeName!);
    const dbNode = (await pod("db-0")).spec.nodeName!;
    expect(pv.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toEqual([dbNode]);
    expect(pv.spec.hostPath?.path).toContain(`kubelet-${dbNode}`);
    expect((await claim("pets-backup")).status?.phase).toBe("Bound");

    const added = await web("/cgi-bin/pets?add=rex", (b) => b.includes("pet=rex"), "the web tier stores a pet in db");
    expect(added).toContain("Pets (served by");
  }, 120_000);

  it("keeps the row when the db pod is deleted: the new db-0 gets the same claim on the same node", async () => {
    const before = await pod("db-0");
    const volume = (await claim("pets-data-db-0")).spec.volumeName;
    expect((await k("delete", "pod", "db-0")).code).toBe(0);
    await eventually("a new db-0 Ready", async () => {
      const p = await pod("db-0").catch(() => undefined);
      return Boolean(p && p.metadata.uid !== before.metadata.uid && isReady(p));
    }, { timeoutMs: 60_000 });
    const after = await pod("db-0");
    expect(after.spec.nodeName).toBe(before.spec.nodeName);
    expect(after.spec.volumes?.find((v) => v.name === "pets-data")?.persistentVolumeClaim?.claimName).toBe("pets-data-db-0");
    expect((await claim("pets-data-db-0")).spec.volumeName).toBe(volume);
    const listed = await web("/cgi-bin/pets", (b) => b.includes("pet=rex"), "the pet is still listed");
    expect(listed).toContain("pet=rex");
  }, 90_000);

  it("resolves db-0.db from another pod to db-0's IP, and follows the pod when it is replaced", async () => {
    const webPod = (await readyPods("web-"))[0]!.metadata.name!;
    const resolves = async (ip: string) => {
      const r = await execInPod(c.client, webPod, "nslookup db-0.db.default.svc.cluster.local");
      return r.code === 0 && r.out.includes(ip);
    };
    const first = await pod("db-0");
    await eventually("db-0.db resolves to db-0's IP", () => resolves(first.status!.podIP!), { timeoutMs: 15_000 });
    await c.client.delete("Pod", "db-0", { namespace: "default" });
    await eventually("a new db-0 Ready", async () => {
      const p = await pod("db-0").catch(() => undefined);
      return Boolean(p && p.metadata.uid !== first.metadata.uid && isReady(p));
    }, { timeoutMs: 60_000 });
    const second = await pod("db-0");
    await eventually("db-0.db follows the new pod", () => resolves(second.status!.podIP!), { timeoutMs: 20_000 });
    // the short form, as applications resolve it (through the pod's search list)
    const ping = await execInPod(c.client, webPod, "ping -c 1 -W 2 db-0.db");
    expect(ping.out).toContain(`(${second.status!.podIP!})`);
  }, 120_000);

  it("shows it all in kctl's and kubectl's columns, describe and scale", async () => {
    const pvc = await k("get", "pvc");
    expect(pvc.stdout.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+AGE$/);
    expect(pvc.stdout).toMatch(/pets-data-db-0\s+Bound\s+pvc-\S+\s+100Mi\s+RWO\s+local-path/);
    const all = await k("get", "all");
    expect(all.stdout).toMatch(/statefulset\.apps\/db\s+1\/1/);
    expect((await k("get", "sc")).stdout).toMatch(/local-path \(default\)\s+kctl\.io\/local-path\s+Delete\s+WaitForFirstConsumer/);
    const sts = await kubectl("get", "sts", "db");
    expect(sts.stdout).toMatch(/^NAME\s+READY\s+AGE\ndb\s+1\/1\s+/);
    const described = await kubectl("describe", "pvc", "pets-data-db-0");
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/Used By:\s+db-0/);
    const dsts = await kubectl("describe", "statefulset", "db");
    expect(dsts.code).toBe(0);
    expect(dsts.stdout).toMatch(/Pods Status:\s+1 Running/);
    expect((await kubectl("get", "pv")).stdout).toMatch(/pvc-\S+\s+100Mi\s+RWO\s+Delete\s+Bound\s+default\/pets-data-db-0\s+local-path/);
    // scale with kubectl, back with kctl: db-1 comes with its own claim, goes without it
    expect((await kubectl("scale", "sts", "db", "--replicas=2")).stdout).toContain("statefulset.apps/db scaled");
    await eventually("db-1 Ready on its own claim", async () => (await readyPods("db-")).length === 2 && (await claim("pets-data-db-1").catch(() => undefined))?.status?.phase === "Bound", { timeoutMs: 60_000 });
    expect((await k("scale", "sts/db", "--replicas=1")).stdout).toContain("statefulset.apps/db scaled");
    await eventually("db-1 gone", async () => pod("db-1").then(() => false, () => true), { timeoutMs: 30_000 });
    expect((await claim("pets-data-db-1")).status?.phase).toBe("Bound");
  }, 120_000);

  it("refuses bad input with the field named and leaves a claim on a missing class Pending with an event", async () => {
    const manifest = (storage: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: huge\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: ${storage}\n`;
    const tooBig = await kctl(["--kubeconfig", c.srv.kubeconfigPath, "apply", "-f", "-"], { input: manifest("10Zi") });
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toContain("spec.resources[storage]");
    expect(tooBig.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    await c.client.create({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "nowhere", namespace: "default" }, spec: { storageClassName: "fast-ssd", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
    await eventually("a ProvisioningFailed event naming the class", async () => {
      const evs = await c.client.list<Event>("Event", { namespace: "default", fieldSelector: "involvedObject.name=nowhere" });
      return evs.items.some((e) => e.reason === "ProvisioningFailed" && e.message?.includes('storageclass.storage.k8s.io "fast-ssd" not found'));
    }, { timeoutMs: 15_000 });
    expect((await claim("nowhere")).status?.phase).toBe("Pending");
  }, 60_000);

  it("holds a claim in use until its pod is gone, then Delete removes the volume and its directory", async () => {
    const data = await claim("pets-backup");
    const pv = await c.client.get<PersistentVolume>("PersistentVolume", data.spec.volumeName!);
    const dir = pv.spec.hostPath!.path;
    expect(fs.existsSync(dir)).toBe(true);
    await c.client.delete("PersistentVolumeClaim", "pets-backup", { namespace: "default" });
    const held = await claim("pets-backup");
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    expect(held.metadata.finalizers).toContain("kubernetes.io/pvc-protection");
    await c.client.delete("Pod", "backup", { namespace: "default", gracePeriodSeconds: 0 });
    const gone = async (p: Promise<unknown>) => p.then(() => false, () => true);
    await eventually("the claim gone with its pod", () => gone(claim("pets-backup")), { timeoutMs: 30_000 });
    await eventually("the volume's directory removed by its node", () => !fs.existsSync(dir), { timeoutMs: 30_000 });
    await eventually("the volume gone", () => gone(c.client.get("PersistentVolume", pv.metadata.name!)), { timeoutMs: 30_000 });
    // the StatefulSet's claim is untouched
    expect((await c.client.get<StatefulSet>("StatefulSet", "db", "default")).status?.readyReplicas).toBe(1);
  }, 60_000);
});
