/** nodes, namespaces, leases. */
import type { Lease, Namespace, Node } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import type { Columns } from "./types.js";

/** `Ready`, `NotReady`, `Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

/** Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, `<none>` if none. */
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

/** nodes: NAME STATUS ROLES AGE VERSION (wide: INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME) */
export const nodeColumns: Columns = {
  headers: ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
  wide: ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
  row(obj, now, wide) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    const cells = [node.metadata.name ?? "", nodeStatus(node), nodeRoles(node), since(node.metadata.creationTimestamp, now), info.kubeletVersion ?? ""];
    if (wide) {
      const addr = (t: string) => node.status?.addresses?.find((a) => a.type === t)?.address || "<none>";
      cells.push(addr("InternalIP"), addr("ExternalIP"), info.osImage || "<unknown>", info.kernelVersion || "<unknown>", info.containerRuntimeVersion || "<unknown>");
    }
    return cells;
  },
};

/** namespaces: NAME STATUS AGE */
export const namespaceColumns: Columns = {
  headers: ["NAME", "STATUS", "AGE"],
  wide: [],
  row(obj, now) {
    const ns = obj as Namespace;
    return [ns.metadata.name ?? "", ns.status?.phase ?? "Active", since(ns.metadata.creationTimestamp, now)];
  },
};

/** leases: NAME HOLDER AGE */
export const leaseColumns: Columns = {
  headers: ["NAME", "HOLDER", "AGE"],
  wide: [],
  row(obj, now) {
    const l = obj as Lease;
    return [l.metadata.name ?? "", l.spec?.holderIdentity ?? "", since(l.metadata.creationTimestamp, now)];
  },
};
