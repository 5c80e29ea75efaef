/** The columns of Deployments, ReplicaSets, StatefulSets and ControllerRevisions, as kubectl shows them. */
import type { Deployment, LabelSelector, ReplicaSet } from "../types.js";
import { age, ageOf, col, containersOf, labelSelectorCell, labelsCell, name, num, rec, type Printer } from "./printer.js";

/** NAME READY UP-TO-DATE AVAILABLE AGE (wide: CONTAINERS IMAGES SELECTOR). */
export const deploymentPrinter: Printer = {
  columns: [name, col("Ready"), col("Up-to-date", 0, "integer"), col("Available", 0, "integer"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
  cells: (o, now) => {
    const d = o as Deployment;
    const st = d.status ?? {};
    const c = containersOf(d.spec?.template?.spec);
    return [
      d.metadata.name ?? "", `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, ageOf(o, now),
      c.names, c.images, labelSelectorCell(d.spec?.selector),
    ];
  },
};

/** NAME DESIRED CURRENT READY AGE (wide: CONTAINERS IMAGES SELECTOR). */
export const replicaSetPrinter: Printer = {
  columns: [name, col("Desired", 0, "integer"), col("Current", 0, "integer"), col("Ready", 0, "integer"), age, col("Containers", 1), col("Images", 1), col("Selector", 1)],
  cells: (o, now) => {
    const rs = o as ReplicaSet;
    const c = containersOf(rs.spec?.template?.spec);
    return [
      rs.metadata.name ?? "", rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, ageOf(o, now),
      c.names, c.images, labelSelectorCell(rs.spec?.selector),
    ];
  },
};

/** NAME DESIRED CURRENT READY AGE (wide: CONTAINERS IMAGES SELECTOR), the selector an equality map. */
export const replicationControllerPrinter: Printer = {
  columns: replicaSetPrinter.columns,
  cells: (o, now) => {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const c = containersOf(rec(spec.template).spec);
    return [o.metadata.name ?? "", num(spec.replicas), num(st.replicas), num(st.readyReplicas), ageOf(o, now), c.names, c.images, labelsCell(spec.selector as Record<string, string> | undefined)];
  },
};

/** NAME READY AGE (wide: CONTAINERS IMAGES). */
export const statefulSetPrinter: Printer = {
  columns: [name, col("Ready"), age, col("Containers", 1), col("Images", 1)],
  cells: (o, now) => {
    const spec = rec(o.spec);
    const c = containersOf(rec(spec.template).spec);
    return [o.metadata.name ?? "", `${num(rec(o.status).readyReplicas)}/${num(spec.replicas)}`, ageOf(o, now), c.names, c.images];
  },
};

/** NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE (wide: CONTAINERS IMAGES SELECTOR). */
export const daemonSetPrinter: Printer = {
  columns: [
    name, col("Desired", 0, "integer"), col("Current", 0, "integer"), col("Ready", 0, "integer"), col("Up-to-date", 0, "integer"), col("Available", 0, "integer"),
    col("Node Selector"), age, col("Containers", 1), col("Images", 1), col("Selector", 1),
  ],
  cells: (o, now) => {
    const spec = rec(o.spec);
    const st = rec(o.status);
    const podSpec = rec(rec(spec.template).spec);
    const c = containersOf(podSpec);
    return [
      o.metadata.name ?? "", num(st.desiredNumberScheduled), num(st.currentNumberScheduled), num(st.numberReady), num(st.updatedNumberScheduled), num(st.numberAvailable),
      labelsCell(podSpec.nodeSelector as Record<string, string> | undefined), ageOf(o, now), c.names, c.images, labelSelectorCell(spec.selector as LabelSelector | undefined),
    ];
  },
};

/** NAME CONTROLLER REVISION AGE. */
export const controllerRevisionPrinter: Printer = {
  columns: [name, col("Controller"), col("Revision", 0, "integer"), age],
  cells: (o, now) => {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
    const controller = owner ? `${owner.kind.toLowerCase()}.${owner.apiVersion.split("/")[0]}/${owner.name}` : "<none>";
    return [o.metadata.name ?? "", controller, num(rec(o).revision), ageOf(o, now)];
  },
};
