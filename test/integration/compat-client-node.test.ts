/** The official @kubernetes/client-node against our server: kubeconfig, CoreV1Api, AppsV1Api, Watch, informer. */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let s: TestServer;
let kc: k8s.KubeConfig;
beforeAll(async () => {
  // client-node refuses bearer tokens over plain HTTP: serve TLS with a self-signed cert.
  s = await startTestServer({ tls: true });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(s.kubeconfigPath);
});
afterAll(async () => {
  await s.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("@kubernetes/client-node", () => {
  it("loads our kubeconfig and lists/creates with CoreV1Api and AppsV1Api", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "cn-pod", labels: { app: "cn" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] } },
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.restartPolicy).toBe("Always");
    const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=cn" });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(["cn-pod"]);
    const nss = await core.listNamespace();
    expect(nss.items.map((n) => n.metadata?.name)).toContain("kube-system");
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: "default",
      body: { metadata: { name: "cn-d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } } } },
    });
    expect(d.spec?.replicas).toBe(1);
    await expect(core.readNamespacedPod({ namespace: "default", name: "missing" })).rejects.toMatchObject({ code: 404 });
    await core.deleteNamespacedPod({ namespace: "default", name: "cn-pod" });
  });

  it("its Watch receives events", async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch("/api/v1/namespaces/default/configmaps", {}, (type, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`), () => {});
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w" }, data: { a: "1" } } });
    await core.patchNamespacedConfigMap({ namespace: "default", name: "w", body: { data: { a: "2" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: "default", name: "w" });
    for (let i = 0; i < 100 && events.length < 3; i++) await sleep(20);
    ctl.abort();
    expect(events).toEqual(["ADDED w", "MODIFIED w", "DELETED w"]);
  });

  it("its informer lists then watches", async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "inf-1" } } });
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/configmaps", () => core.listNamespacedConfigMap({ namespace: "default" }));
    const added: string[] = [];
    informer.on("add", (o: k8s.V1ConfigMap) => added.push(o.metadata!.name!));
    await informer.start();
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "inf-2" } } });
    for (let i = 0; i < 100 && added.length < 2; i++) await sleep(20);
    await informer.stop();
    expect(added).toEqual(["inf-1", "inf-2"]);
  });
});
