/** `kctl describe deployment|replicaset`. */
import type { Container, Deployment, PodTemplateSpec, ReplicaSet, StatefulSet } from "../../lib/types.js";
import { formatLabels, formatSelector } from "../printers/labels.js";
import { conditionsTable, controlledBy, describeTime, mapLines, metaLines } from "./common.js";
import type { DescribeWriter } from "./tabwriter.js";

/** The `Pod Template:` block. */
export function podTemplateLines(w: DescribeWriter, t: PodTemplateSpec | undefined): void {
  w.line(0, "Pod Template:");
  mapLines(w, 1, "Labels", t?.metadata?.labels);
  if (t?.metadata?.annotations && Object.keys(t.metadata.annotations).length) mapLines(w, 1, "Annotations", t.metadata.annotations);
  w.line(1, "Containers:");
  const cs: Container[] = t?.spec?.containers ?? [];
  for (const c of cs) {
    w.line(2, `${c.name}:`);
    w.line(3, `Image:\t${c.image}`);
    const p = c.ports?.[0];
    w.line(3, `Port:\t${p ? `${p.containerPort}/${p.protocol ?? "TCP"}` : "<none>"}`);
    w.line(3, `Host Port:\t${p ? `${p.hostPort ?? 0}/${p.protocol ?? "TCP"}` : "<none>"}`);
    if (c.command?.length) w.line(3, `Command:\t${c.command.join(" ")}`);
    if (c.args?.length) w.line(3, `Args:\t${c.args.join(" ")}`);
    w.line(3, `Environment:\t${c.env?.length ? c.env.map((e) => `${e.name}=${e.value ?? ""}`).join(", ") : "<none>"}`);
    w.line(3, `Mounts:\t${c.volumeMounts?.length ? c.volumeMounts.map((m) => m.mountPath).join(", ") : "<none>"}`);
  }
  w.line(1, `Volumes:\t${t?.spec?.volumes?.length ? t.spec.volumes.map((v) => v.name).join(", ") : "<none>"}`);
  w.line(1, `Node-Selectors:\t${t?.spec?.nodeSelector ? formatLabels(t.spec.nodeSelector) : "<none>"}`);
  w.line(1, `Tolerations:\t${t?.spec?.tolerations?.length ? t.spec.tolerations.map((x) => `${x.key ?? ""}:${x.effect ?? ""}`).join(", ") : "<none>"}`);
}

/** Describe a deployment (new/old ReplicaSets are given by the caller). */
export function describeDeployment(w: DescribeWriter, d: Deployment, rsNames: { newRS?: string; oldRSs: string[] }): void {
  const st = d.status ?? {};
  metaLines(w, d, { created: true });
  w.line(0, `Selector:\t${formatSelector(d.spec?.selector)}`);
  w.line(
    0,
    `Replicas:\t${d.spec?.replicas ?? 0} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable`,
  );
  const strategy = d.spec?.strategy?.type ?? "RollingUpdate";
  w.line(0, `StrategyType:\t${strategy}`);
  w.line(0, `MinReadySeconds:\t${d.spec?.minReadySeconds ?? 0}`);
  if (strategy === "RollingUpdate") {
    const ru = d.spec?.strategy?.rollingUpdate ?? {};
    w.line(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? "25%"} max unavailable, ${ru.maxSurge ?? "25%"} max surge`);
  }
  podTemplateLines(w, d.spec?.template);
  conditionsTable(w, st.conditions as unknown as Record<string, unknown>[], ["Type", "Status", "Reason"]);
  w.line(0, `OldReplicaSets:\t${rsNames.oldRSs.length ? rsNames.oldRSs.join(", ") : "<none>"}`);
  w.line(0, `NewReplicaSet:\t${rsNames.newRS ?? "<none>"}`);
}

/** Describe a replicaset (pod phase counts are given by the caller). */
export function describeReplicaSet(w: DescribeWriter, rs: ReplicaSet, phases: { running: number; waiting: number; succeeded: number; failed: number }): void {
  metaLines(w, rs);
  w.line(0, `Selector:\t${formatSelector(rs.spec?.selector)}`);
  controlledBy(w, rs);
  w.line(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 0} desired`);
  w.line(0, `Pods Status:\t${phases.running} Running / ${phases.waiting} Waiting / ${phases.succeeded} Succeeded / ${phases.failed} Failed`);
  podTemplateLines(w, rs.spec?.template);
  conditionsTable(w, rs.status?.conditions as unknown as Record<string, unknown>[], ["Type", "Status", "Reason"]);
  void describeTime;
}

/** Describe a StatefulSet (pod phase counts are given by the caller). */
export function describeStatefulSet(w: DescribeWriter, sts: StatefulSet, phases: { running: number; waiting: number; succeeded: number; failed: number }): void {
  metaLines(w, sts, { created: true });
  w.line(0, `Selector:\t${formatSelector(sts.spec?.selector)}`);
  w.line(0, `Replicas:\t${sts.spec?.replicas ?? 0} desired | ${sts.status?.replicas ?? 0} total`);
  const us = sts.spec?.updateStrategy;
  w.line(0, `Update Strategy:\t${us?.type ?? "RollingUpdate"}`);
  if ((us?.type ?? "RollingUpdate") === "RollingUpdate") w.line(1, `Partition:\t${us?.rollingUpdate?.partition ?? 0}`);
  w.line(0, `Pods Status:\t${phases.running} Running / ${phases.waiting} Waiting / ${phases.succeeded} Succeeded / ${phases.failed} Failed`);
  podTemplateLines(w, sts.spec?.template);
  const claims = sts.spec?.volumeClaimTemplates ?? [];
  if (!claims.length) w.line(0, "Volume Claims:\t<none>");
  else {
    w.line(0, "Volume Claims:");
    for (const c of claims) {
      w.line(1, `Name:\t${c.metadata.name ?? ""}`);
      w.line(1, `StorageClass:\t${c.spec?.storageClassName ?? ""}`);
      mapLines(w, 1, "Labels", c.metadata.labels);
      mapLines(w, 1, "Annotations", c.metadata.annotations);
      w.line(1, `Capacity:\t${c.spec?.resources?.requests?.storage ?? ""}`);
      w.line(1, `Access Modes:\t[${(c.spec?.accessModes ?? []).join(" ")}]`);
    }
  }
}
