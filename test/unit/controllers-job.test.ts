/** The Job controller's pure plan, index sets, the podFailurePolicy and the printers' cells. */
import { describe, expect, it } from "vitest";
import { formatIndexes, parseIndexes } from "../../lib/batch/indexes.js";
import { planJob, podForJob, POD_FAILURE_BACKOFF_MS } from "../../controllers/job/plan.js";
import { jobCompletionsCell, jobDurationCell, jobStatusCell } from "../../lib/printers/batch.js";
import type { Job, Pod } from "../../lib/types.js";
import { FINALIZER_JOB_TRACKING } from "../../lib/batch/job-labels.js";

/** The same pods after the controller removed their tracking finalizer. */
function released(pods: Pod[]): Pod[] {
  return pods.map((p) => ({ ...p, metadata: { ...p.metadata, finalizers: [] } }));
}

const NOW = new Date("2030-01-01T00:10:00Z");

function job(spec: Partial<Job["spec"]> = {}, status: Job["status"] = {}): Job {
  return {
    apiVersion: "batch/v1", kind: "Job",
    metadata: { name: "j", namespace: "default", uid: "u1", creationTimestamp: "2030-01-01T00:00:00Z" },
    spec: { parallelism: 2, completions: 6, backoffLimit: 6, completionMode: "NonIndexed", template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } }, ...spec },
    status,
  };
}
let n = 0;
function pod(phase: Pod["status"] extends infer S ? S extends { phase?: infer P } ? P : never : never, opts: { index?: number; exitCode?: number; finishedAt?: string; deleting?: boolean; untracked?: boolean; failureCount?: number } = {}): Pod {
  n++;
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name: `j-${n}`, namespace: "default", uid: `p${n}`, creationTimestamp: "2030-01-01T00:00:00Z",
      ...(opts.index !== undefined ? { annotations: { "batch.kubernetes.io/job-completion-index": String(opts.index), ...(opts.failureCount !== undefined ? { "batch.kubernetes.io/job-index-failure-count": String(opts.failureCount) } : {}) } } : {}),
      ...(opts.deleting ? { deletionTimestamp: "2030-01-01T00:09:00Z" } : {}),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "u1", controller: true }],
      ...(opts.untracked ? {} : { finalizers: [FINALIZER_JOB_TRACKING] }),
    },
    spec: { containers: [{ name: "c", image: "i" }], nodeName: "n1" },
    status: {
      phase,
      ...(opts.exitCode !== undefined ? { containerStatuses: [{ name: "c", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: opts.exitCode, finishedAt: opts.finishedAt ?? "2030-01-01T00:00:00Z" } } }] } : {}),
    },
  } as Pod;
}

describe("planJob", () => {
  it("creates up to parallelism, never more than the completions left", () => {
    expect(planJob(job(), [], NOW).create).toHaveLength(2);
    expect(planJob(job(), [pod("Running")], NOW).create).toHaveLength(1);
    const five = [1, 2, 3, 4, 5].map(() => pod("Succeeded", { exitCode: 0 }));
    const p = planJob(job(), five, NOW);
    expect(p.create).toHaveLength(1);
    // Recorded first (uncountedTerminatedPods), counted once their finalizers are gone.
    expect(p.status).toMatchObject({ succeeded: 0, active: 0, failed: 0, startTime: "2030-01-01T00:10:00Z" });
    expect(p.status.uncountedTerminatedPods?.succeeded).toHaveLength(5);
    expect(p.release).toEqual(five);
    const next = planJob(job({}, p.status), released(five), NOW);
    expect(next.status).toMatchObject({ succeeded: 5, uncountedTerminatedPods: {} });
    expect(next.release).toEqual([]);
    expect(next.create).toHaveLength(1);
  });

  it("tracking finalizer: a pod deleted before it finished counts as failed, once; a counted pod may go", () => {
    const deleted = pod("Running", { deleting: true });
    const a = planJob(job({ completions: 1, parallelism: 1 }), [deleted], NOW);
    expect(a.status.uncountedTerminatedPods).toEqual({ failed: [deleted.metadata.uid] });
    expect(a.status.failed).toBe(0);
    expect(a.release).toEqual([deleted]);
    expect(a.requeueAfterMs).toBe(POD_FAILURE_BACKOFF_MS); // the replacement waits out the back-off
    // The finalizer removal failed: recorded already, so released again and not recorded twice.
    const again = planJob(job({ completions: 1, parallelism: 1 }, a.status), [deleted], NOW);
    expect(again.status.uncountedTerminatedPods).toEqual({ failed: [deleted.metadata.uid] });
    expect(again.release).toEqual([deleted]);
    // Released and gone: counted for good.
    const b = planJob(job({ completions: 1, parallelism: 1 }, a.status), [], new Date(NOW.getTime() + 4_000), true, a.lastFailureMs);
    expect(b.status).toMatchObject({ failed: 1, uncountedTerminatedPods: {} });
    // The back-off counts from when the failure was recorded, though the pod is gone.
    expect(b.create).toEqual([]);
    expect(b.requeueAfterMs).toBe(POD_FAILURE_BACKOFF_MS - 4_000);
    // A counted pod that stays (no finalizer) is not counted again.
    const c = planJob(job({ completions: 1, parallelism: 1 }, b.status), released([pod("Failed", { exitCode: 1 })]), NOW);
    expect(c.status.failed).toBe(1);
  });

  it("a Job from before tracking (startTime, no uncountedTerminatedPods) keeps counting from its pods, never lower", () => {
    const legacy = job({}, { startTime: "2030-01-01T00:00:00Z", succeeded: 3, failed: 1 });
    const p = planJob(legacy, [pod("Succeeded", { exitCode: 0, untracked: true })], NOW);
    expect(p.status).toMatchObject({ succeeded: 3, failed: 1 });
    expect(p.status.uncountedTerminatedPods).toBeUndefined();
    expect(p.release).toEqual([]);
    expect(podForJob(legacy).metadata.finalizers).toBeUndefined();
    expect(podForJob(job()).metadata.finalizers).toEqual([FINALIZER_JOB_TRACKING]);
  });

  it("completes when succeeded reaches completions, with Complete and SuccessCriteriaMet", () => {
    const six = [1, 2, 3, 4, 5, 6].map(() => pod("Succeeded", { exitCode: 0 }));
    const p = planJob(job(), six, NOW);
    expect(p.status.uncountedTerminatedPods?.succeeded).toHaveLength(6);
    expect(p.create).toHaveLength(0);
    // Decided, but Complete waits until every pod is counted (Kubernetes' order).
    expect(p.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([["SuccessCriteriaMet", "True", "CompletionsReached"]]);
    expect(p.status.completionTime).toBeUndefined();
    const q = planJob(job({}, p.status), released(six), NOW);
    expect(q.status).toMatchObject({ succeeded: 6, completionTime: "2030-01-01T00:10:00Z" });
    expect(q.status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([["SuccessCriteriaMet", "True", "CompletionsReached"], ["Complete", "True", "CompletionsReached"]]);
    expect(q.transitions).toEqual([{ type: "Completed", reason: "Completed", message: "Job completed" }]);
  });

  it("deletes the surplus when parallelism is lowered", () => {
    const p = planJob(job({ parallelism: 1 }), [pod("Running"), pod("Pending")], NOW);
    expect(p.delete.map((x) => x.status?.phase)).toEqual(["Pending"]);
  });

  it("waits out the failure back-off (10 s, doubling) before replacing a failed pod", () => {
    const failedAt = new Date(NOW.getTime() - 4_000).toISOString();
    const p = planJob(job({ completions: 1, parallelism: 1 }), [pod("Failed", { exitCode: 1, finishedAt: failedAt })], NOW);
    expect(p.create).toHaveLength(0);
    expect(p.requeueAfterMs).toBe(POD_FAILURE_BACKOFF_MS - 4_000);
    const later = planJob(job({ completions: 1, parallelism: 1 }), [pod("Failed", { exitCode: 1, finishedAt: failedAt })], new Date(NOW.getTime() + 7_000));
    expect(later.create).toHaveLength(1);
    const two = [pod("Failed", { exitCode: 1, finishedAt: failedAt }), pod("Failed", { exitCode: 1, finishedAt: failedAt })];
    expect(planJob(job({ completions: 1, parallelism: 1 }), two, NOW).requeueAfterMs).toBe(2 * POD_FAILURE_BACKOFF_MS - 4_000);
  });

  it("fails with BackoffLimitExceeded after backoffLimit failures and deletes what still runs", () => {
    const running = pod("Running");
    const failed = [pod("Failed", { exitCode: 1 }), pod("Failed", { exitCode: 1 })];
    const p = planJob(job({ backoffLimit: 1 }), [...failed, running], NOW);
    expect(p.status.conditions?.map((c) => [c.type, c.reason])).toEqual([["FailureTarget", "BackoffLimitExceeded"]]);
    expect(p.delete).toEqual([running]);
    expect(p.transitions).toEqual([]);
    const q = planJob(job({ backoffLimit: 1 }, p.status), released(failed), NOW);
    expect(q.status.failed).toBe(2);
    expect(q.status.conditions?.find((c) => c.type === "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(q.transitions[0]).toMatchObject({ type: "Failed", reason: "BackoffLimitExceeded" });
  });

  it("fails with DeadlineExceeded once activeDeadlineSeconds passed since startTime, and requeues for it before", () => {
    const before = planJob(job({ activeDeadlineSeconds: 900 }, { startTime: "2030-01-01T00:00:00Z" }), [pod("Running")], NOW);
    expect(before.requeueAfterMs).toBe(300_000);
    const after = planJob(job({ activeDeadlineSeconds: 600 }, { startTime: "2030-01-01T00:00:00Z" }), [pod("Running")], NOW);
    expect(after.status.conditions?.find((c) => c.type === "Failed")?.reason).toBe("DeadlineExceeded");
  });

  it("applies podFailurePolicy: Ignore does not count, FailJob fails at once", () => {
    const rules = { rules: [{ action: "Ignore" as const, onExitCodes: { operator: "In" as const, values: [137] } }, { action: "FailJob" as const, onExitCodes: { operator: "In" as const, values: [42] } }] };
    const ignored = planJob(job({ backoffLimit: 0, podFailurePolicy: rules }), [pod("Failed", { exitCode: 137 })], NOW);
    expect(ignored.status.failed).toBe(0);
    expect(ignored.status.conditions ?? []).toEqual([]);
    expect(ignored.release).toHaveLength(1); // released without a count
    const fatal = pod("Failed", { exitCode: 42 });
    const failed = planJob(job({ podFailurePolicy: rules }), [fatal], NOW);
    expect(failed.status.conditions?.find((c) => c.type === "FailureTarget")?.reason).toBe("PodFailurePolicy");
    const ended = planJob(job({ podFailurePolicy: rules }, failed.status), released([fatal]), NOW);
    expect(ended.status.conditions?.find((c) => c.type === "Failed")?.reason).toBe("PodFailurePolicy");
  });

  it("Indexed: creates the lowest missing indexes, records completedIndexes, completes when all are done", () => {
    const spec = { completionMode: "Indexed" as const, completions: 5, parallelism: 2 };
    const p = planJob(job(spec), [pod("Succeeded", { index: 0, exitCode: 0 }), pod("Running", { index: 1 })], NOW);
    expect(p.create).toEqual([{ index: 2 }]);
    expect(p.status.completedIndexes).toBe("0");
    const done = planJob(job(spec, { completedIndexes: "0-2" }), [pod("Succeeded", { index: 3, exitCode: 0 }), pod("Succeeded", { index: 4, exitCode: 0 })], NOW);
    expect(done.status.completedIndexes).toBe("0-4");
    expect(done.status.conditions?.some((c) => c.type === "Complete")).toBe(true);
  });

  it("suspend deletes active pods and sets Suspended; resuming resets startTime", () => {
    const running = pod("Running");
    const s = planJob(job({ suspend: true }, { startTime: "2030-01-01T00:00:00Z" }), [running], NOW);
    expect(s.delete).toEqual([running]);
    expect(s.status.conditions?.find((c) => c.type === "Suspended")).toMatchObject({ status: "True", reason: "JobSuspended" });
    const r = planJob(job({}, s.status), [], NOW);
    expect(r.status.conditions?.find((c) => c.type === "Suspended")).toMatchObject({ status: "False", reason: "JobResumed" });
    expect(r.create).toHaveLength(2);
  });

  it("a finished Job is deleted once ttlSecondsAfterFinished is over", () => {
    const st = { completionTime: "2030-01-01T00:09:00Z", conditions: [{ type: "Complete", status: "True" as const }] };
    expect(planJob(job({ ttlSecondsAfterFinished: 30 }, st), [], NOW).deleteJob).toBe(true);
    const wait = planJob(job({ ttlSecondsAfterFinished: 120 }, st), [], NOW);
    expect(wait.deleteJob).toBe(false);
    expect(wait.requeueAfterMs).toBe(60_000);
  });

  it("never lowers succeeded or failed below the stored status (pods deleted by hand)", () => {
    expect(planJob(job({}, { succeeded: 3, failed: 1, uncountedTerminatedPods: {} }), [], NOW).status).toMatchObject({ succeeded: 3, failed: 1 });
  });

  it("a terminating pod is neither active nor replaced twice", () => {
    const p = planJob(job({ completions: 1, parallelism: 1 }), [pod("Running", { deleting: true })], NOW);
    expect(p.status).toMatchObject({ active: 0, terminating: 1 });
  });
});

describe("planJob: Indexed Jobs' backoffLimitPerIndex, successPolicy; podReplacementPolicy", () => {
  const indexed = (extra: Partial<Job["spec"]>, status: Job["status"] = {}) => job({ completionMode: "Indexed", completions: 3, parallelism: 3, ...extra }, status);
  const longAgo = "2030-01-01T00:00:00Z";

  it("an index past backoffLimitPerIndex joins failedIndexes and is not run again; the Job fails with FailedIndexes once every index is done", () => {
    const spec = { backoffLimitPerIndex: 1, backoffLimit: 2147483647 };
    const second = pod("Failed", { index: 1, exitCode: 1, failureCount: 1, finishedAt: longAgo });
    const p = planJob(indexed(spec), [pod("Running", { index: 0 }), second, pod("Running", { index: 2 })], NOW);
    expect(p.status.failedIndexes).toBe("1");
    expect(p.create).toEqual([]);
    expect(p.status.conditions ?? []).toEqual([]);
    const done = planJob(indexed(spec, { completedIndexes: "0,2", failedIndexes: "1", uncountedTerminatedPods: {}, startTime: longAgo }), released([second]), NOW);
    expect(done.status.conditions?.find((c) => c.type === "Failed")).toMatchObject({ reason: "FailedIndexes", message: "Job has failed indexes" });
  });

  it("a failed index within its limit is retried after its own back-off, carrying its failure count", () => {
    const spec = { backoffLimitPerIndex: 2, backoffLimit: 2147483647 };
    const failedAt = new Date(NOW.getTime() - 4_000).toISOString();
    const failed = pod("Failed", { index: 0, exitCode: 1, failureCount: 0, finishedAt: failedAt });
    const p = planJob(indexed(spec), [failed, pod("Running", { index: 1 }), pod("Running", { index: 2 })], NOW);
    expect(p.create).toEqual([]);
    expect(p.requeueAfterMs).toBe(POD_FAILURE_BACKOFF_MS - 4_000);
    const later = planJob(indexed(spec), [failed, pod("Running", { index: 1 }), pod("Running", { index: 2 })], new Date(NOW.getTime() + 6_000));
    expect(later.create).toEqual([{ index: 0, failureCount: 1 }]);
    const replacement = podForJob(indexed(spec), 0, 1);
    expect(replacement.metadata.annotations?.["batch.kubernetes.io/job-index-failure-count"]).toBe("1");
  });

  it("maxFailedIndexes exceeded fails the Job at once; FailIndex fails an index on its first failure", () => {
    const spec = { backoffLimitPerIndex: 3, maxFailedIndexes: 0, backoffLimit: 2147483647, podFailurePolicy: { rules: [{ action: "FailIndex" as const, onExitCodes: { operator: "In" as const, values: [42] } }] } };
    const p = planJob(indexed(spec), [pod("Failed", { index: 2, exitCode: 42, failureCount: 0 })], NOW);
    expect(p.status.failedIndexes).toBe("2");
    expect(p.status.conditions?.find((c) => c.type === "FailureTarget")).toMatchObject({ reason: "MaxFailedIndexesExceeded", message: "Job has exceeded the specified maximal number of failed indexes" });
  });

  it("successPolicy: the named indexes succeeded ends the Job with SuccessPolicy, stopping the rest first", () => {
    const spec = { completions: 4, parallelism: 4, successPolicy: { rules: [{ succeededIndexes: "0,2" }] } };
    const running = [pod("Running", { index: 1 }), pod("Running", { index: 3 })];
    const p = planJob(indexed(spec, { completedIndexes: "0,2", uncountedTerminatedPods: {}, startTime: longAgo }), running, NOW);
    expect(p.status.conditions?.map((c) => [c.type, c.reason, c.message])).toEqual([["SuccessCriteriaMet", "SuccessPolicy", "Matched rules at index 0"]]);
    expect(p.delete).toEqual(running);
    const q = planJob(indexed(spec, p.status), [], NOW);
    expect(q.status.conditions?.find((c) => c.type === "Complete")).toMatchObject({ status: "True", reason: "SuccessPolicy" });
    // succeededCount alone: any 3 of the indexes
    const byCount = planJob(indexed({ completions: 5, successPolicy: { rules: [{ succeededIndexes: "0-3", succeededCount: 5 }, { succeededCount: 3 }] } }, { completedIndexes: "1,3,4", uncountedTerminatedPods: {}, startTime: longAgo }), [], NOW);
    expect(byCount.status.conditions?.find((c) => c.type === "Complete")?.message).toBe("Matched rules at index 1");
  });

  it("podReplacementPolicy Failed: a terminating pod keeps its slot until it is gone", () => {
    // Deleted a minute ago, recorded as failed then (its back-off is over), still stopping.
    const going = pod("Running", { deleting: true });
    const status = { uncountedTerminatedPods: { failed: [going.metadata.uid!] }, startTime: longAgo };
    const failedOnly = planJob(job({ completions: 1, parallelism: 1, podReplacementPolicy: "Failed" }, status), [going], NOW, true, NOW.getTime() - 60_000);
    expect(failedOnly.create).toEqual([]);
    const either = planJob(job({ completions: 1, parallelism: 1, podReplacementPolicy: "TerminatingOrFailed" }, status), [going], NOW, true, NOW.getTime() - 60_000);
    expect(either.create).toHaveLength(1);
  });
});

describe("podForJob", () => {
  it("Indexed pods get the index annotation, label, hostname and JOB_COMPLETION_INDEX", () => {
    const p = podForJob(job({ completionMode: "Indexed" }), 3);
    expect(p.metadata.generateName).toBe("j-3-");
    expect(p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"]).toBe("3");
    expect(p.metadata.labels?.["batch.kubernetes.io/job-completion-index"]).toBe("3");
    expect(p.spec.hostname).toBe("j-3");
    expect(p.spec.containers[0]!.env).toEqual([{ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    expect(p.metadata.ownerReferences?.[0]).toMatchObject({ apiVersion: "batch/v1", kind: "Job", uid: "u1", controller: true, blockOwnerDeletion: true });
  });
});

describe("completion index sets", () => {
  it("parse and format as Kubernetes writes them", () => {
    expect(formatIndexes([0, 1, 2, 4, 6, 7, 8, 9])).toBe("0-2,4,6-9");
    expect(formatIndexes([1, 2])).toBe("1,2");
    expect([...parseIndexes("0-2,4,x,6-7", 7)].sort()).toEqual([0, 1, 2, 4, 6]);
  });
});

describe("Job columns", () => {
  it("STATUS, COMPLETIONS and DURATION as kubectl prints them", () => {
    expect(jobStatusCell(job())).toBe("Running");
    expect(jobStatusCell(job({}, { conditions: [{ type: "Failed", status: "True" }] }))).toBe("Failed");
    expect(jobCompletionsCell(job({}, { succeeded: 2 }))).toBe("2/6");
    expect(jobCompletionsCell(job({ completions: undefined, parallelism: 3 }))).toBe("0/1 of 3");
    expect(jobDurationCell(job({}, { startTime: "2030-01-01T00:00:00Z", completionTime: "2030-01-01T00:00:42Z" }))).toBe("42s");
    expect(jobDurationCell(job())).toBe("");
  });
});
