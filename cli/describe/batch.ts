/** `kctl describe job|cronjob|daemonset`, laid out as kubectl describes them. */
import { humanDuration } from "../../lib/human-duration.js";
import type { CronJob, DaemonSet, Job } from "../../lib/types.js";
import { controlledBy, describeTime, metaLines } from "./common.js";
import type { DescribeWriter } from "./tabwriter.js";
import { formatLabels, formatSelector } from "../printers/labels.js";
import { podTemplateLines } from "./workloads.js";

/** Describe a Job. */
export function describeJob(w: DescribeWriter, j: Job): void {
  const s = j.spec;
  const st = j.status ?? {};
  w.line(0, `Name:\t${j.metadata.name ?? ""}`);
  w.line(0, `Namespace:\t${j.metadata.namespace ?? ""}`);
  w.line(0, `Selector:\t${formatSelector(s.selector)}`);
  metaLines(w, j, { name: false, namespace: false });
  controlledBy(w, j);
  w.line(0, `Parallelism:\t${s.parallelism ?? "<unset>"}`);
  w.line(0, `Completions:\t${s.completions ?? "<unset>"}`);
  w.line(0, `Completion Mode:\t${s.completionMode ?? "NonIndexed"}`);
  w.line(0, `Suspend:\t${s.suspend ? "true" : "false"}`);
  w.line(0, `Backoff Limit:\t${s.backoffLimit ?? 6}`);
  if (s.ttlSecondsAfterFinished !== undefined) w.line(0, `TTL Seconds After Finished:\t${s.ttlSecondsAfterFinished}`);
  if (st.startTime) w.line(0, `Start Time:\t${describeTime(st.startTime)}`);
  if (st.completionTime) {
    w.line(0, `Completed At:\t${describeTime(st.completionTime)}`);
    if (st.startTime) w.line(0, `Duration:\t${humanDuration(Date.parse(st.completionTime) - Date.parse(st.startTime))}`);
  }
  if (s.activeDeadlineSeconds !== undefined) w.line(0, `Active Deadline Seconds:\t${s.activeDeadlineSeconds}s`);
  w.line(0, `Pods Statuses:\t${st.active ?? 0} Active (${st.ready ?? 0} Ready) / ${st.succeeded ?? 0} Succeeded / ${st.failed ?? 0} Failed`);
  if (s.completionMode === "Indexed") w.line(0, `Completed Indexes:\t${st.completedIndexes || "<none>"}`);
  podTemplateLines(w, s.template);
}

/** Describe a CronJob. */
export function describeCronJob(w: DescribeWriter, cj: CronJob): void {
  const s = cj.spec;
  const js = s.jobTemplate?.spec;
  metaLines(w, cj);
  w.line(0, `Schedule:\t${s.schedule}`);
  if (s.timeZone) w.line(0, `Time Zone:\t${s.timeZone}`);
  w.line(0, `Concurrency Policy:\t${s.concurrencyPolicy ?? "Allow"}`);
  w.line(0, `Suspend:\t${s.suspend ? "True" : "False"}`);
  w.line(0, `Successful Job History Limit:\t${s.successfulJobsHistoryLimit ?? 3}`);
  w.line(0, `Failed Job History Limit:\t${s.failedJobsHistoryLimit ?? 1}`);
  w.line(0, `Starting Deadline Seconds:\t${s.startingDeadlineSeconds === undefined ? "<unset>" : `${s.startingDeadlineSeconds}s`}`);
  w.line(0, `Selector:\t${js?.selector ? formatSelector(js.selector) : "<unset>"}`);
  w.line(0, `Parallelism:\t${js?.parallelism ?? "<unset>"}`);
  w.line(0, `Completions:\t${js?.completions ?? "<unset>"}`);
  podTemplateLines(w, js?.template);
  w.line(0, `Last Schedule Time:\t${cj.status?.lastScheduleTime ? describeTime(cj.status.lastScheduleTime) : "<unset>"}`);
  const active = (cj.status?.active ?? []).map((r) => r.name).join(", ");
  w.line(0, `Active Jobs:\t${active || "<none>"}`);
}

/** Describe a DaemonSet (pod phase counts are given by the caller). */
export function describeDaemonSet(w: DescribeWriter, ds: DaemonSet, phases: { running: number; waiting: number; succeeded: number; failed: number }): void {
  const st = ds.status;
  w.line(0, `Name:\t${ds.metadata.name ?? ""}`);
  w.line(0, `Namespace:\t${ds.metadata.namespace ?? ""}`);
  w.line(0, `Selector:\t${formatSelector(ds.spec.selector)}`);
  w.line(0, `Node-Selector:\t${formatLabels(ds.spec.template.spec.nodeSelector)}`);
  metaLines(w, ds, { name: false, namespace: false });
  w.line(0, `Desired Number of Nodes Scheduled:\t${st?.desiredNumberScheduled ?? 0}`);
  w.line(0, `Current Number of Nodes Scheduled:\t${st?.currentNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Up-to-date Pods:\t${st?.updatedNumberScheduled ?? 0}`);
  w.line(0, `Number of Nodes Scheduled with Available Pods:\t${st?.numberAvailable ?? 0}`);
  w.line(0, `Number of Nodes Misscheduled:\t${st?.numberMisscheduled ?? 0}`);
  w.line(0, `Pods Status:\t${phases.running} Running / ${phases.waiting} Waiting / ${phases.succeeded} Succeeded / ${phases.failed} Failed`);
  podTemplateLines(w, ds.spec.template);
}
