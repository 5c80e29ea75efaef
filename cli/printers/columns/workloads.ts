/** deployments and replicasets. */
import type { Container, Deployment, ReplicaSet } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import { formatSelector } from "../labels.js";
import type { Columns } from "./types.js";

function containerCells(containers: Container[] | undefined): string[] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(","), cs.map((c) => c.image).join(",")];
}

/** deployments: NAME READY UP-TO-DATE AVAILABLE AGE (wide: CONTAINERS IMAGES SELECTOR) */
export const deploymentColumns: Columns = {
  headers: ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
  wide: ["CONTAINERS", "IMAGES", "SELECTOR"],
  row(obj, now, wide) {
    const d = obj as Deployment;
    const st = d.status ?? {};
    const cells = [
      d.metadata.name ?? "",
      `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      String(st.updatedReplicas ?? 0),
      String(st.availableReplicas ?? 0),
      since(d.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(...containerCells(d.spec?.template?.spec?.containers), formatSelector(d.spec?.selector));
    return cells;
  },
};

/** replicasets: NAME DESIRED CURRENT READY AGE (wide: CONTAINERS IMAGES SELECTOR) */
export const replicaSetColumns: Columns = {
  headers: ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
  wide: ["CONTAINERS", "IMAGES", "SELECTOR"],
  row(obj, now, wide) {
    const rs = obj as ReplicaSet;
    const cells = [
      rs.metadata.name ?? "",
      String(rs.spec?.replicas ?? 0),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      since(rs.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(...containerCells(rs.spec?.template?.spec?.containers), formatSelector(rs.spec?.selector));
    return cells;
  },
};
