/**
 * Where a Service's traffic goes, as pure functions: the listeners a node opens (cluster IP and
 * node ports) and, for one service port, the backends its Endpoints name. A backend on this node
 * is its pod's bridge address and target port; a backend on another node is that node's published
 * port of the pod (`kctl.io/ports` annotation), because bridge addresses are private to a machine
 * (every machine's docker0 hands out the same 172.17.x.y) — unless the node runs the pod network
 * (../network/): then a pod IP inside the cluster CIDR is routed from every node and used directly.
 */
import net from "node:net";
import { cidrContains } from "../../lib/ipv4.js";
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service, ServicePort } from "../../lib/types.js";
import { PORTS_ANNOTATION } from "../../lib/well-known.js";

/** The pod annotation the kubelet writes with the published ports (`{"8080/TCP":{hostIP,hostPort}}`). */
export { PORTS_ANNOTATION };

/** One place to send a connection. */
export interface Backend {
  /** stable identity (pod uid, else ip) plus port: affinity and logs use it */
  key: string;
  host: string;
  port: number;
  /** true when reached through the bridge on this node */
  local: boolean;
}

/** A TCP listener the proxy should hold. */
export interface ListenerSpec {
  /** `ip:port` */
  key: string;
  ip: string;
  port: number;
  /** `namespace/name` of the service */
  service: string;
  /** the service port's name ("" when unnamed) */
  portName: string;
  kind: "clusterIP" | "nodePort";
}

/** `namespace/name/portName`: the key of one service port's backends. */
export function servicePortKey(service: string, portName: string): string {
  return `${service}/${portName}`;
}

function usesNodePorts(svc: Service): boolean {
  return svc.spec.type === "NodePort" || svc.spec.type === "LoadBalancer";
}

/** Has this service a proxied cluster IP (not headless, not ExternalName)? */
export function proxiedClusterIP(svc: Service): string | undefined {
  const ip = svc.spec.clusterIP;
  if (svc.spec.type === "ExternalName" || !ip || ip === "None" || !net.isIPv4(ip)) return undefined;
  return ip;
}

/** The listeners for a set of services: `clusterIP:port` for each TCP port, and each node port on every node address. */
export function desiredListeners(services: Iterable<Service>, nodeAddresses: readonly string[], withClusterIPs: boolean): Map<string, ListenerSpec> {
  const out = new Map<string, ListenerSpec>();
  for (const svc of services) {
    const service = `${svc.metadata.namespace ?? "default"}/${svc.metadata.name ?? ""}`;
    const clusterIP = withClusterIPs ? proxiedClusterIP(svc) : undefined;
    for (const sp of svc.spec.ports ?? []) {
      // UDP/SCTP are not proxied (a TCP-only userspace proxy; see README).
      if ((sp.protocol ?? "TCP") !== "TCP") continue;
      const portName = sp.name ?? "";
      if (clusterIP) out.set(`${clusterIP}:${sp.port}`, { key: `${clusterIP}:${sp.port}`, ip: clusterIP, port: sp.port, service, portName, kind: "clusterIP" });
      if (usesNodePorts(svc) && sp.nodePort) {
        for (const ip of nodeAddresses) out.set(`${ip}:${sp.nodePort}`, { key: `${ip}:${sp.nodePort}`, ip, port: sp.nodePort, service, portName, kind: "nodePort" });
      }
    }
  }
  return out;
}

function matchesPort(sp: ServicePort, ep: EndpointPort): boolean {
  return (ep.name ?? "") === (sp.name ?? "") && (ep.protocol ?? "TCP") === (sp.protocol ?? "TCP");
}

/** The published port of `pod` for `containerPort/TCP`, from its annotation. */
export function publishedPort(pod: Pod, containerPort: number, protocol = "TCP"): { host: string; port: number } | undefined {
  const raw = pod.metadata.annotations?.[PORTS_ANNOTATION];
  if (!raw) return undefined;
  try {
    const map = JSON.parse(raw) as Record<string, { hostIP?: string; hostPort?: number }>;
    const e = map[`${containerPort}/${protocol}`];
    if (!e?.hostPort) return undefined;
    // A port published on every address is reached at the node's own address.
    const host = e.hostIP && e.hostIP !== "0.0.0.0" ? e.hostIP : pod.status?.hostIP;
    return host ? { host, port: e.hostPort } : undefined;
  } catch {
    return undefined;
  }
}

/** What {@link backendsFor} needs besides the objects. */
export interface BackendContext {
  nodeName: string;
  /** the pod an endpoint address refers to (namespace, name) */
  pod(namespace: string, name: string): Pod | undefined;
  /** the cluster's pod range when pods of every node are routed here (../network/): their IPs are used directly */
  podNetworkCidr?: string;
}

function backendFor(addr: EndpointAddress, port: number, protocol: string, ctx: BackendContext, defaultNs: string): Backend | undefined {
  const id = addr.targetRef?.uid ?? addr.ip;
  // Same node, or an address not tied to a node (a selector-less service's hand-written
  // Endpoints): connect straight to it.
  if (!addr.nodeName || addr.nodeName === ctx.nodeName) return { key: `${id}:${port}`, host: addr.ip, port, local: true };
  // One pod network: another node's pod is reached by its own IP, no published port needed.
  if (ctx.podNetworkCidr && cidrContains(ctx.podNetworkCidr, addr.ip)) return { key: `${id}:${port}`, host: addr.ip, port, local: false };
  const ref = addr.targetRef;
  if (!ref || ref.kind !== "Pod") return undefined;
  const pod = ctx.pod(ref.namespace ?? defaultNs, ref.name);
  if (!pod || (ref.uid && pod.metadata.uid !== ref.uid)) return undefined;
  const pub = publishedPort(pod, port, protocol);
  return pub ? { key: `${id}:${port}`, host: pub.host, port: pub.port, local: false } : undefined;
}

/**
 * The ready backends of one service port, in Endpoints order (already sorted by IP by the
 * controller, so every node round-robins over the same sequence). Not-ready addresses are never
 * used; a remote pod whose published port is unknown yet is skipped until its annotation shows up.
 */
export function backendsFor(sp: ServicePort, ep: Endpoints | undefined, ctx: BackendContext): Backend[] {
  const out: Backend[] = [];
  const ns = ep?.metadata.namespace ?? "default";
  for (const subset of ep?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => matchesPort(sp, p)) ?? (subset.ports?.length === 1 && !sp.name ? subset.ports[0] : undefined);
    if (!port) continue;
    for (const addr of subset.addresses ?? []) {
      const b = backendFor(addr, port.port, port.protocol ?? "TCP", ctx, ns);
      if (b) out.push(b);
    }
  }
  return out;
}
