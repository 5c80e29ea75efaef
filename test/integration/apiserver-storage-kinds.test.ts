/**
 * The stateful kinds' API surface, on an in-memory server through inject: discovery and short
 * names, the built-in default class, what a new claim and volume get, kubectl's columns,
 * validation with field paths (and nothing written when refused), the scale subresource and
 * the StatefulSet fields that may not change.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, type ApiServerApp } from "../../apiserver/app.js";
import { memoryServerState } from "../../apiserver/server-state.js";

let app: ApiServerApp;
let token: string;

beforeAll(async () => {
  const state = memoryServerState();
  token = state.tokens.createToken("admin", "admin");
  app = await buildApp(state);
});
afterAll(async () => {
  await app.close();
});

type Json = Record<string, unknown> & { metadata?: Record<string, unknown>; spec?: Record<string, unknown>; status?: Record<string, unknown> };
async function call(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, payload?: unknown, contentType = "application/json"): Promise<{ code: number; body: Json }> {
  const r = await app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": contentType } : {}) }, payload: payload as Record<string, unknown> | undefined });
  return { code: r.statusCode, body: r.json<Json>() };
}
const table = (url: string) =>
  app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}`, accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } }).then((r) => r.json<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>());

const claim = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } });
const sts = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name },
  spec: {
    serviceName: name, replicas: 1, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox:test" }] } },
    volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    ...spec,
  },
});

describe("storage and StatefulSet kinds", () => {
  it("are discoverable with their short names and scopes", async () => {
    const core = await call("GET", "/api/v1");
    const byName = new Map((core.body.resources as { name: string; shortNames?: string[]; namespaced: boolean }[]).map((r) => [r.name, r]));
    expect(byName.get("persistentvolumeclaims")).toMatchObject({ shortNames: ["pvc"], namespaced: true });
    expect(byName.get("persistentvolumes")).toMatchObject({ shortNames: ["pv"], namespaced: false });
    const storage = await call("GET", "/apis/storage.k8s.io/v1");
    expect(storage.body.resources).toEqual(expect.arrayContaining([expect.objectContaining({ name: "storageclasses", shortNames: ["sc"], namespaced: false })]));
    const apps = await call("GET", "/apis/apps/v1");
    const names = (apps.body.resources as { name: string; shortNames?: string[]; categories?: string[] }[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["statefulsets", "statefulsets/scale", "statefulsets/status", "controllerrevisions"]));
    expect((apps.body.resources as { name: string; categories?: string[] }[]).find((r) => r.name === "statefulsets")?.categories).toEqual(["all"]);
  });

  it("has the default local-path class, WaitForFirstConsumer, marked (default) in the table", async () => {
    const sc = await call("GET", "/apis/storage.k8s.io/v1/storageclasses/local-path");
    expect(sc.body).toMatchObject({ provisioner: "kctl.io/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer", metadata: { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } });
    const t = await table("/apis/storage.k8s.io/v1/storageclasses");
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
    expect(t.rows[0]?.cells.slice(0, 4)).toEqual(["local-path (default)", "kctl.io/local-path", "Delete", "WaitForFirstConsumer"]);
  });

  it("gives a new claim the default class, phase Pending and the protection finalizer; kubectl's columns", async () => {
    const c = await call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("data"));
    expect(c.code).toBe(201);
    expect(c.body.spec).toMatchObject({ storageClassName: "local-path", volumeMode: "Filesystem" });
    expect(c.body.status).toEqual({ phase: "Pending" });
    expect(c.body.metadata?.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    const t = await table("/api/v1/namespaces/default/persistentvolumeclaims");
    expect(t.columnDefinitions.filter((_, i) => i < 7).map((c) => c.name)).toEqual(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "Age"]);
    expect(t.rows[0]?.cells.slice(0, 6)).toEqual(["data", "Pending", "", "", "", "local-path"]);
    // an explicit "" keeps the claim class-less (static volumes only), as in Kubernetes
    const classless = await call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("classless", { storageClassName: "" }));
    expect(classless.body.spec?.storageClassName).toBe("");
  });

  it("refuses bad claims with 422 naming the field, and writes nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ resources: { requests: { storage: "10Zi" } } }, "spec.resources[storage]"],
      [{ accessModes: ["ReadWriteSometimes"] }, "spec.accessModes[0]"],
      [{ accessModes: [] }, "spec.accessModes"],
      [{ resources: {} }, "spec.resources[storage]"],
      [{ resources: { requests: { storage: "0" } } }, "spec.resources[storage]"],
    ];
    for (const [spec, field] of cases) {
      const r = await call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("bad", spec));
      expect(r.code, JSON.stringify(spec)).toBe(422);
      expect((r.body.details as { causes: { field: string }[] }).causes.map((x) => x.field)).toContain(field);
    }
    expect((await call("GET", "/api/v1/namespaces/default/persistentvolumeclaims/bad")).code).toBe(404);
  });

  it("keeps a claim's spec fixed after creation except its size request", async () => {
    await call("POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("fixed"));
    const r = await call("PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/fixed", { spec: { accessModes: ["ReadWriteMany"] } }, "application/merge-patch+json");
    expect(r.code).toBe(422);
    expect(String(r.body.message)).toContain("spec is immutable after creation");
    const bigger = await call("PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/fixed", { spec: { resources: { requests: { storage: "2Gi" } } } }, "application/merge-patch+json");
    expect(bigger.code).toBe(200);
  });

  it("gives a volume phase Pending, Retain and pv-protection; refuses one without a source or with a relative path", async () => {
    const pv = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv1" }, spec: { capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce", "ReadOnlyMany"], hostPath: { path: "/srv/pv1" } } };
    const r = await call("POST", "/api/v1/persistentvolumes", pv);
    expect(r.code).toBe(201);
    expect(r.body.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem" });
    expect(r.body.status).toEqual({ phase: "Pending" });
    expect(r.body.metadata?.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    const t = await table("/api/v1/persistentvolumes");
    expect(t.rows[0]?.cells.slice(0, 5)).toEqual(["pv1", "5Gi", "RWO,ROX", "Retain", "Pending"]);
    const none = await call("POST", "/api/v1/persistentvolumes", { ...pv, metadata: { name: "pv2" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] } });
    expect(none.code).toBe(422);
    const rel = await call("POST", "/api/v1/persistentvolumes", { ...pv, metadata: { name: "pv3" }, spec: { ...pv.spec, hostPath: { path: "srv/../etc" } } });
    expect((rel.body.details as { causes: { field: string }[] }).causes.map((x) => x.field)).toContain("spec.hostPath.path");
    const local = await call("POST", "/api/v1/persistentvolumes", { ...pv, metadata: { name: "pv4" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], local: { path: "/srv/x" } } });
    expect((local.body.details as { causes: { field: string }[] }).causes.map((x) => x.field)).toContain("spec.nodeAffinity");
  });

  it("defaults a StatefulSet as Kubernetes, serves scale, prints NAME READY AGE", async () => {
    const r = await call("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("db"));
    expect(r.code).toBe(201);
    expect(r.body.spec).toMatchObject({
      podManagementPolicy: "OrderedReady", revisionHistoryLimit: 10,
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    });
    const scaled = await call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/db/scale", { spec: { replicas: 3 } }, "application/merge-patch+json");
    expect(scaled.body).toMatchObject({ kind: "Scale", spec: { replicas: 3 }, status: { selector: "app=db" } });
    const t = await table("/apis/apps/v1/namespaces/default/statefulsets");
    expect(t.columnDefinitions.filter((_, i) => i < 3).map((c) => c.name)).toEqual(["Name", "Ready", "Age"]);
    expect(t.rows[0]?.cells.slice(0, 2)).toEqual(["db", "0/3"]);
    // an old manifest's group/version is accepted
    const old = await call("POST", "/apis/apps/v1/namespaces/default/statefulsets", { ...sts("old"), apiVersion: "apps/v1beta2" });
    expect(old.code).toBe(201);
  });

  it("refuses a bad StatefulSet with 422 naming the field, and the forbidden updates", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ replicas: -1 }, "spec.replicas"],
      [{ selector: { matchLabels: { app: "other" } } }, "spec.template.metadata.labels"],
      [{ podManagementPolicy: "Random" }, "spec.podManagementPolicy"],
      [{ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1 } } }, "spec.updateStrategy.rollingUpdate.partition"],
      [{ volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Zi" } } } }] }, "spec.volumeClaimTemplates[0].spec.resources[storage]"],
    ];
    for (const [spec, field] of cases) {
      const r = await call("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("bad", spec));
      expect(r.code, JSON.stringify(spec)).toBe(422);
      expect((r.body.details as { causes: { field: string }[] }).causes.map((x) => x.field)).toContain(field);
    }
    expect((await call("GET", "/apis/apps/v1/namespaces/default/statefulsets/bad")).code).toBe(404);
    await call("POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("web"));
    const change = await call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/web", { spec: { serviceName: "other" } }, "application/merge-patch+json");
    expect(change.code).toBe(422);
    expect(String(change.body.message)).toContain("updates to statefulset spec for fields other than");
    const ok = await call("PATCH", "/apis/apps/v1/namespaces/default/statefulsets/web", { spec: { replicas: 2, updateStrategy: { rollingUpdate: { partition: 1 } } } }, "application/merge-patch+json");
    expect(ok.code).toBe(200);
  });
});
