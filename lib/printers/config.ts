/** The columns of ConfigMaps and Secrets, as kubectl shows them. */
import type { ConfigMap, Secret } from "../types.js";
import { age, ageOf, col, name, type Printer } from "./printer.js";

/** NAME DATA AGE: DATA counts `data` and `binaryData` keys. */
export const configMapPrinter: Printer = {
  columns: [name, col("Data", 0, "integer"), age],
  cells: (o, now) => {
    const cm = o as ConfigMap;
    return [cm.metadata.name ?? "", Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, ageOf(o, now)];
  },
};

/** NAME TYPE DATA AGE. */
export const secretPrinter: Printer = {
  columns: [name, col("Type"), col("Data", 0, "integer"), age],
  cells: (o, now) => {
    const s = o as Secret;
    return [s.metadata.name ?? "", s.type ?? "Opaque", Object.keys(s.data ?? {}).length, ageOf(o, now)];
  },
};
