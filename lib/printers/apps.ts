/** The columns of StatefulSets and ControllerRevisions, as kubectl shows them. */
import { age, ageOf, col, containersOf, name, num, rec, type Printer } from "./printer.js";

/** NAME READY AGE (wide: CONTAINERS IMAGES). */
export const statefulSetPrinter: Printer = {
  columns: [name, col("Ready"), age, col("Containers", 1), col("Images", 1)],
  cells: (o, now) => {
    const spec = rec(o.spec);
    const c = containersOf(rec(rec(spec.template).spec));
    return [o.metadata.name ?? "", `${num(rec(o.status).readyReplicas)}/${num(spec.replicas)}`, ageOf(o, now), c.names, c.images];
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
