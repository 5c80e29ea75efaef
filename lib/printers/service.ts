/** The columns of Services and Endpoints, as kubectl shows them (printService, formatEndpoints). */
import type { Endpoints, Service, ServicePort } from "../types.js";
import { age, ageOf, col, labelsCell, name, type Printer } from "./printer.js";

/** `80/TCP`, `80:30080/TCP`, comma-joined; `<none>` without ports. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  if (!ports?.length) return "<none>";
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(",");
}

/** The EXTERNAL-IP cell: external IPs, load-balancer ingress, `<pending>` or `<none>`. */
export function externalIP(svc: Service): string {
  const ext = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? "ClusterIP") {
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

/** NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (wide: SELECTOR). */
export const servicePrinter: Printer = {
  columns: [name, col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"), age, col("Selector", 1)],
  cells: (o, now) => {
    const svc = o as Service;
    return [svc.metadata.name ?? "", svc.spec?.type ?? "ClusterIP", svc.spec?.clusterIP || "<none>", externalIP(svc), servicePorts(svc.spec?.ports), ageOf(o, now), labelsCell(svc.spec?.selector)];
  },
};

/**
 * `10.0.0.1:80,10.0.0.2:80 + 3 more...`, `<none>` when empty (kubectl's formatEndpoints): every
 * address with every port of its subset, IPv6 addresses in brackets, a subset without ports as
 * bare addresses.
 */
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

/** NAME ENDPOINTS AGE. */
export const endpointsPrinter: Printer = {
  columns: [name, col("Endpoints"), age],
  cells: (o, now) => [o.metadata.name ?? "", formatEndpoints(o as Endpoints), ageOf(o, now)],
};
