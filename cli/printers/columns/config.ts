/** configmaps and secrets. */
import type { ConfigMap, Secret } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import type { Columns } from "./types.js";

/** configmaps: NAME DATA AGE */
export const configMapColumns: Columns = {
  headers: ["NAME", "DATA", "AGE"],
  wide: [],
  row(obj, now) {
    const cm = obj as ConfigMap;
    const n = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [cm.metadata.name ?? "", String(n), since(cm.metadata.creationTimestamp, now)];
  },
};

/** secrets: NAME TYPE DATA AGE */
export const secretColumns: Columns = {
  headers: ["NAME", "TYPE", "DATA", "AGE"],
  wide: [],
  row(obj, now) {
    const s = obj as Secret;
    return [s.metadata.name ?? "", s.type ?? "Opaque", String(Object.keys(s.data ?? {}).length), since(s.metadata.creationTimestamp, now)];
  },
};
