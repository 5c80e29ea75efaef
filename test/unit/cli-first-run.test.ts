/**
 * The pure parts of the first five minutes: the start-up summary's lines, and when an applied
 * object counts as ready for `apply --wait` (the e2e tests run both for real).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSummary } from "../../cli/first-run/start-summary.js";
import { readinessOf, podTrouble } from "../../cli/apply/readiness.js";
import type { Deployment, Job, KObject, Pod } from "../../lib/types.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kctl-summary-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("startSummary", () => {
  const repo = fs.mkdtempSync(path.join(tmp, "repo-"));
  fs.mkdirSync(path.join(repo, "manifests"));
  fs.mkdirSync(path.join(repo, "bin"));
  fs.writeFileSync(path.join(repo, "manifests", "web.yaml"), "");
  const base = {
    apiUrl: "https://127.0.0.1:6443",
    dataDir: "/root/.kctl/server",
    kubeconfigPath: "/root/.kctl/server/admin.kubeconfig",
    kubeconfigNote: " (copied to /root/.kctl/config)",
    joinCommand: "kctl agent --server https://127.0.0.1:6443 --token K10abc::x.y",
    kubelet: true,
    argv1: path.join(repo, "bin", "kctl"),
    cwd: repo,
  };

  it("from the kctl folder: ./bin/kctl and the example manifest, relative", () => {
    expect(startSummary(base).split("\n")).toEqual([
      "kctl server is running: API https://127.0.0.1:6443, data in /root/.kctl/server",
      "kubeconfig: /root/.kctl/server/admin.kubeconfig (copied to /root/.kctl/config)",
      "try: ./bin/kctl apply -f manifests/web.yaml",
      "join another machine: kctl agent --server https://127.0.0.1:6443 --token K10abc::x.y",
      "",
    ]);
  });

  it("builds the example's images first when the engine lacks them", () => {
    expect(startSummary({ ...base, imagesMissing: true })).toContain("try: bash scripts/build-test-images.sh && ./bin/kctl apply -f manifests/web.yaml\n");
  });

  it("elsewhere: kctl, the shipped example by its full path, --kubeconfig when needed, a note without a kubelet", () => {
    const s = startSummary({ ...base, clientKubeconfig: "/k", kubelet: false, cwd: fs.mkdtempSync(path.join(tmp, "elsewhere-")) });
    expect(s).toContain(`try: kctl --kubeconfig /k apply -f ${path.join(repo, "manifests", "web.yaml")}   (pods run once an agent joins)\n`);
  });

  it("without the example manifest: get nodes", () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
    expect(startSummary({ ...base, cwd: empty, argv1: path.join(empty, "bin", "kctl") })).toContain("try: ./bin/kctl get nodes\n");
  });

  it("says agents cannot join over plain HTTP", () => {
    expect(startSummary({ ...base, joinCommand: undefined })).toContain("plain HTTP (--insecure-http): agents cannot join");
  });
});

const meta = (name: string, generation = 1) => ({ name, namespace: "default", generation });

describe("readinessOf", () => {
  it("a Deployment: kubectl's rollout status lines, done when rolled out", () => {
    const d = (status: Deployment["status"]): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: meta("web"), spec: { replicas: 3, selector: {}, template: {} }, status }) as unknown as KObject;
    expect(readinessOf(d({ observedGeneration: 0 }))).toEqual({ done: false, message: "Waiting for deployment spec update to be observed..." });
    expect(readinessOf(d({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1 }))).toEqual({
      done: false,
      message: 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    });
    expect(readinessOf(d({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({ done: true, message: 'deployment "web" successfully rolled out' });
    const stuck = readinessOf(d({ observedGeneration: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] } as Deployment["status"]));
    expect(stuck.error).toBe('deployment "web" exceeded its progress deadline');
  });

  it("a Job: Complete is done, Failed is an error", () => {
    const j = (conditions: { type: string; status: string; reason?: string }[]): KObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: meta("j"), spec: { template: {} }, status: { conditions } }) as unknown as KObject;
    expect(readinessOf(j([{ type: "Complete", status: "True" }]))).toEqual({ done: true, message: "complete" });
    expect(readinessOf(j([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }])).error).toBe("failed: BackoffLimitExceeded");
    expect(readinessOf(j([])).done).toBe(false);
  });

  it("a Pod: Ready, or what it waits on; a Service is ready once applied", () => {
    const p = (status: Pod["status"]): Pod => ({ apiVersion: "v1", kind: "Pod", metadata: meta("p"), spec: { containers: [] }, status }) as unknown as Pod;
    expect(readinessOf(p({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] }) as KObject).done).toBe(true);
    const pulling = p({ phase: "Pending", containerStatuses: [{ name: "c", ready: false, restartCount: 0, image: "x", imageID: "", state: { waiting: { reason: "ErrImagePull", message: "no such image" } } }] } as Pod["status"]);
    expect(podTrouble(pulling)).toBe("ErrImagePull: no such image");
    expect(readinessOf(pulling as KObject)).toEqual({ done: false, message: "ErrImagePull: no such image" });
    expect(podTrouble(p({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available" }] }))).toBe("Unschedulable: 0/1 nodes are available");
    expect(readinessOf({ apiVersion: "v1", kind: "Service", metadata: meta("s") } as KObject)).toEqual({ done: true, message: "applied" });
  });
});
