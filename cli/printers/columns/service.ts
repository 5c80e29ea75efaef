/** services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (wide: SELECTOR) */
import type { Endpoints, Service, ServicePort } from "../../../lib/types.js";
import { since } from "../../../lib/human-duration.js";
import { formatLabels } from "../labels.js";
import type { Columns } from "./types.js";

/** `80/TCP`, `80:30080/TCP`, comma-joined; `<none>` without ports. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  if (!ports?.length) return "<none>";
  return ports
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`))
    .join(",");
}

/** The EXTERNAL-IP cell: external IPs, load-balancer ingress, `<pending>` or `<none>`. */
export function externalIP(svc: Service): string {
  const type = svc.spec?.type ?? "ClusterIP";
  const ext = svc.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return ext.length ? ext.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || "").filter(Boolean);
      const all = [...lb, ...ext];
      return all.length ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

export const serviceColumns: Columns = {
  headers: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  wide: ["SELECTOR"],
  row(obj, now, wide) {
    const svc = obj as Service;
    const cells = [
      svc.metadata.name ?? "",
      svc.spec?.type ?? "ClusterIP",
      svc.spec?.clusterIP || "<none>",
      externalIP(svc),
      servicePorts(svc.spec?.ports),
      since(svc.metadata.creationTimestamp, now),
    ];
    if (wide) cells.push(formatLabels(svc.spec?.selector));
    return cells;
  },
};

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...`, `<none>` when empty (kubectl's formatEndpoints). */
export function formatEndpoints(ep: Endpoints): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of ep.subsets ?? []) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports?.length ? ss.ports.map((p) => String(p.port)) : [undefined];
    for (const port of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        const host = a.ip.includes(":") ? `[${a.ip}]` : a.ip;
        list.push(port === undefined ? a.ip : `${host}:${port}`);
      }
    }
  }
  if (list.length === 0) return "<none>";
  return more ? `${list.join(",")} + ${count - max} more...` : list.join(",");
}

/** endpoints: NAME ENDPOINTS AGE */
export const endpointsColumns: Columns = {
  headers: ["NAME", "ENDPOINTS", "AGE"],
  wide: [],
  row(obj, now) {
    return [obj.metadata.name ?? "", formatEndpoints(obj as Endpoints), since(obj.metadata.creationTimestamp, now)];
  },
};
