/**
 * The cluster's naming rules, as a pure function over a view of Services: which names the node's
 * DNS server answers itself, which are NXDOMAIN, and which go to the host's resolver.
 *
 *   web.default.svc.cluster.local  A clusterIP (headless: the ready pod IPs)
 *   db-0.db.default.svc.cluster.local  the pod with hostname db-0 behind headless service db
 *                                  (its Endpoints address; StatefulSet pods' stable names)
 *   web.default.svc                same (the `svc` pseudo-TLD is ours: unknown => NXDOMAIN)
 *   web.default                    same when service web exists in namespace default, else forwarded
 *   web                            same for the asking pod's namespace, else forwarded
 *   *.cluster.local (other)        NXDOMAIN (we are authoritative for the cluster domain)
 *   anything else                  forwarded
 *
 * Pods normally never send the short forms: their resolv.conf search list (`<ns>.svc.cluster.local
 * svc.cluster.local cluster.local`, ndots 5) expands them first. Answering them too keeps tools
 * that ignore the search list (some `nslookup`s) working.
 */
import { TYPE_A } from "./packet.js";

/** The cluster domain (Kubernetes' default). */
export const CLUSTER_DOMAIN = "cluster.local";
/** TTL of cluster answers: short, so a changed selector or new endpoint is seen quickly (CoreDNS: 5 s). */
export const CLUSTER_TTL = 5;

/** What the resolver needs to know about Services. */
export interface ServiceDirectory {
  /**
   * The addresses of service `name` in `namespace`: `[clusterIP]`, or the ready pod IPs of a
   * headless service; undefined when there is no such service.
   */
  addresses(namespace: string, name: string): string[] | undefined;
  /** The address of the pod with `hostname` behind headless service `service` (undefined: none). */
  hostAddress?(namespace: string, service: string, hostname: string): string | undefined;
  /** The namespace of the pod with this IP (on this node), if known. */
  namespaceOf(podIP: string): string | undefined;
}

/** The resolver's verdict. */
export type Resolution =
  /** answer authoritatively; `ips` may be empty (NOERROR, no data: e.g. an AAAA question) */
  | { kind: "answer"; ips: string[] }
  | { kind: "nxdomain" }
  | { kind: "forward" };

function answer(ips: string[] | undefined, type: number, missing: Resolution): Resolution {
  if (!ips) return missing;
  // A headless service without ready pods has no address: NXDOMAIN, as CoreDNS says.
  if (ips.length === 0) return { kind: "nxdomain" };
  return { kind: "answer", ips: type === TYPE_A || type === 255 ? ips : [] };
}

/** `[hostname, service, namespace, "svc"]` -> that pod's address, or undefined. */
function hostIPs(dir: ServiceDirectory, labels: string[]): string[] | undefined {
  const ip = dir.hostAddress?.(labels[2]!, labels[1]!, labels[0]!);
  return ip ? [ip] : undefined;
}

/** Resolve a lower-cased name (no trailing dot) of `type` asked by `clientIP`. */
export function resolveName(dir: ServiceDirectory, name: string, type: number, clientIP: string, domain = CLUSTER_DOMAIN): Resolution {
  const nx: Resolution = { kind: "nxdomain" };
  const fwd: Resolution = { kind: "forward" };
  if (name === domain || name.endsWith(`.${domain}`)) {
    const labels = name === domain ? [] : name.slice(0, -(domain.length + 1)).split(".");
    if (labels.length === 3 && labels[2] === "svc") return answer(dir.addresses(labels[1]!, labels[0]!), type, nx);
    if (labels.length === 4 && labels[3] === "svc") return answer(hostIPs(dir, labels), type, nx);
    return nx;
  }
  const labels = name.split(".");
  if (labels.length === 3 && labels[2] === "svc") return answer(dir.addresses(labels[1]!, labels[0]!), type, nx);
  if (labels.length === 4 && labels[3] === "svc") return answer(hostIPs(dir, labels), type, nx);
  if (labels.length === 2) return answer(dir.addresses(labels[1]!, labels[0]!), type, fwd);
  if (labels.length === 1 && labels[0]) {
    const ns = dir.namespaceOf(clientIP);
    return ns ? answer(dir.addresses(ns, labels[0]), type, fwd) : fwd;
  }
  return fwd;
}
