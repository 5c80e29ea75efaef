/** `kctl create configmap NAME --from-...`: text values in `data`, anything not UTF-8 in `binaryData` (base64). */
import type { ConfigMap } from "../../lib/types.js";
import { readDataSources, type DataSourceFlags } from "./data-sources.js";

/** Build the ConfigMap from kubectl's sources (see data-sources.ts). */
export function generateConfigMap(name: string, flags: DataSourceFlags, namespace?: string): ConfigMap {
  const entries = readDataSources(flags, { kind: "ConfigMap", name });
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const [key, bytes] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = bytes.toString("utf8");
    if (Buffer.from(text, "utf8").equals(bytes)) data[key] = text;
    else binaryData[key] = bytes.toString("base64");
  }
  return {
    apiVersion: "v1",
    ...(Object.keys(binaryData).length ? { binaryData } : {}),
    ...(Object.keys(data).length ? { data } : {}),
    kind: "ConfigMap",
    metadata: { name, ...(namespace ? { namespace } : {}) },
  };
}
