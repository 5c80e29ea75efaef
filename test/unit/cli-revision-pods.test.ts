import { describe, expect, it } from "vitest";
import { imageHint } from "../../cli/apply/readiness.js";
import { newRevisionPods } from "../../cli/apply/revision-pods.js";
import { computeTemplateHash } from "../../lib/pod-template-hash.js";
import type { DaemonSet, Deployment, Pod, PodTemplateSpec, StatefulSet } from "../../lib/types.js";

const template: PodTemplateSpec = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "web:v2" }] } };

function pod(name: string, labels: Record<string, string>, waiting?: { reason: string; message?: string }): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web", ...labels } },
    spec: { containers: [{ name: "web", image: "web:v2" }] },
    status: { phase: "Pending", containerStatuses: waiting ? [{ name: "web", ready: false, restartCount: 0, image: "web:v2", imageID: "", state: { waiting } }] : [] },
  };
}

describe("the pods of a workload's newest revision", () => {
  const d: Deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template } };
  const hash = computeTemplateHash(template);
  // an old ReplicaSet's pod stuck in back-off sorts first; the new one is pulling
  const stuck = pod("web-aaaaa-1", { "pod-template-hash": "oldhash" }, { reason: "ImagePullBackOff", message: 'Back-off pulling image "web:bad"' });
  const pulling = pod("web-zzzzz-1", { "pod-template-hash": hash }, { reason: "ContainerCreating", message: 'Pulling image "web:v2" (45.0 MB / 120 MB)' });

  it("Deployment: the pods with the template's hash, so rollout status names the new pods' pull", () => {
    expect(newRevisionPods(d, [stuck, pulling])).toEqual([pulling]);
    expect(imageHint(newRevisionPods(d, [stuck, pulling]))).toBe('pulling image "web:v2": 45.0 MB / 120 MB');
    expect(imageHint([stuck, pulling])).toBe('pod web-aaaaa-1: ImagePullBackOff: Back-off pulling image "web:bad"');
    // a collision count changes the hash the controller names the new ReplicaSet by
    expect(newRevisionPods({ ...d, status: { collisionCount: 1 } }, [stuck, pulling])).toEqual([]);
  });

  it("StatefulSet: the pods at status.updateRevision (all before the controller set one); DaemonSet: all", () => {
    const a = pod("db-0", { "controller-revision-hash": "db-new" });
    const b = pod("db-1", { "controller-revision-hash": "db-old" });
    const sts: StatefulSet = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { selector: { matchLabels: { app: "web" } }, template, serviceName: "db" }, status: { replicas: 2, updateRevision: "db-new" } };
    expect(newRevisionPods(sts, [a, b])).toEqual([a]);
    expect(newRevisionPods({ ...sts, status: { replicas: 2 } }, [a, b])).toEqual([a, b]);
    const ds: DaemonSet = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "web" } }, template } };
    expect(newRevisionPods(ds, [a, b])).toEqual([a, b]);
  });
});
