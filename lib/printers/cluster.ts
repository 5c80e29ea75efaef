/** The columns of Nodes and Namespaces, as kubectl shows them. */
import type { Namespace, Node } from "../types.js";
import { age, ageOf, col, name, type Printer } from "./printer.js";

/** `Ready`, `NotReady`, `Unknown` (no Ready condition), plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

/** Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, sorted; `<none>` if none. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) {
      const role = k.slice("node-role.kubernetes.io/".length);
      if (role) roles.add(role);
    } else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

/** NAME STATUS ROLES AGE VERSION (wide: INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME). */
export const nodePrinter: Printer = {
  columns: [
    name, col("Status"), col("Roles"), age, col("Version"),
    col("Internal-IP", 1), col("External-IP", 1), col("OS-Image", 1), col("Kernel-Version", 1), col("Container-Runtime", 1),
  ],
  cells: (o, now) => {
    const node = o as Node;
    const info = node.status?.nodeInfo ?? {};
    const addr = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address || "<none>";
    return [
      node.metadata.name ?? "", nodeStatus(node), nodeRoles(node), ageOf(o, now), info.kubeletVersion ?? "",
      addr("InternalIP"), addr("ExternalIP"), info.osImage || "<unknown>", info.kernelVersion || "<unknown>", info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

/** NAME STATUS AGE. */
export const namespacePrinter: Printer = {
  columns: [name, col("Status"), age],
  cells: (o, now) => [o.metadata.name ?? "", (o as Namespace).status?.phase ?? "Active", ageOf(o, now)],
};
