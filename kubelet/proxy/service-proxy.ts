/**
 * The node's service proxy: watches Services, Endpoints and Pods, holds one TCP listener per
 * cluster IP port and per node port, and forwards each accepted connection to a ready backend
 * (round-robin, or sticky per client with `sessionAffinity: ClientIP`). Backend lists are swapped
 * whole on every change, so a removed endpoint gets no new connection from the next accept on,
 * while connections already open to it run to their end (draining). See README.md.
 */
import type net from "node:net";
import type { ApiClient } from "../../lib/client.js";
import { Informer, objectKey } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import type { Endpoints, Pod, Service } from "../../lib/types.js";
import { Balancer, DEFAULT_AFFINITY_SECONDS } from "./balancer.js";
import { backendsFor, desiredListeners, proxiedClusterIP, servicePortKey, type Backend, type ListenerSpec } from "./backends.js";
import { forwardConnection } from "./forward.js";
import { cidrContains } from "../../lib/ipv4.js";
import { addLocalRoute, removeLocalRoute, runIp, type IpRunner } from "./host-routes.js";
import { ListenerSet } from "./listeners.js";
import { PORTS_ANNOTATION } from "../../lib/well-known.js";

/** Options of {@link ServiceProxy}. */
export interface ServiceProxyOptions {
  client: ApiClient;
  logger: Logger;
  nodeName: string;
  /** addresses node ports listen on */
  nodePortAddresses: string[];
  /** listen on cluster IPs (needs the local route of {@link serviceCidr}) */
  clusterIPs: boolean;
  /** the range routed locally; a cluster IP outside it gets its own /32 route */
  serviceCidr: string;
  /** the pod network's range, when other nodes' pods are routed (backends by pod IP) */
  podNetworkCidr?: string;
  /** per-backend connect deadline (default 2000 ms) */
  connectTimeoutMs?: number;
  ip?: IpRunner;
}

interface PortState {
  backends: Backend[];
  balancer: Balancer;
}

type AffinityConfig = { sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } } };

/** The per-node userspace service proxy. */
export class ServiceProxy {
  readonly services: Informer<Service>;
  readonly endpoints: Informer<Endpoints>;
  readonly pods: Informer<Pod>;
  private readonly listeners: ListenerSet;
  private ports = new Map<string, PortState>();
  private readonly sockets = new Set<net.Socket>();
  /** /32 routes this proxy added (cluster IPs outside the routed range) */
  private readonly extraRoutes = new Set<string>();
  private podIPs = new Map<string, string>();
  private pending = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly opts: ServiceProxyOptions) {
    this.log = opts.logger.child({ subsystem: "service-proxy" });
    this.services = new Informer<Service>(opts.client, "Service", { logger: this.log });
    this.endpoints = new Informer<Endpoints>(opts.client, "Endpoints", { logger: this.log });
    // All pods: a backend on another node is reached through its pod's published port.
    this.pods = new Informer<Pod>(opts.client, "Pod", { logger: this.log });
    this.listeners = new ListenerSet((s, spec) => this.accept(s, spec), this.log, (spec) => this.prepare(spec));
    const changed = (): void => this.schedule();
    for (const inf of [this.services, this.endpoints] as Informer<Service | Endpoints>[]) inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.pods.addEventHandler({
      onAdd: changed,
      // Only what backends and DNS read: the ports annotation, the IPs, the node.
      onUpdate: (o, c) => {
        if (o.metadata.annotations?.[PORTS_ANNOTATION] !== c.metadata.annotations?.[PORTS_ANNOTATION] || o.status?.podIP !== c.status?.podIP || o.status?.hostIP !== c.status?.hostIP) changed();
      },
      onDelete: changed,
    });
  }

  /** Start watching; resolves when the first lists are in and the listeners are being opened. */
  async start(): Promise<void> {
    for (const inf of [this.services, this.endpoints, this.pods]) inf.start();
    await Promise.all([this.services.waitForSync(), this.endpoints.waitForSync(), this.pods.waitForSync()]);
    this.sync();
  }

  /** Listeners currently bound (`ip:port`). */
  boundListeners(): string[] {
    return this.listeners.bound();
  }

  /** Wait until `ip:port` is bound (tests). */
  waitBound(key: string, timeoutMs = 5000): Promise<boolean> {
    return this.listeners.waitBound(key, timeoutMs);
  }

  /** The backends of a service port right now (tests, debugging). */
  backends(service: string, portName = ""): Backend[] {
    return this.ports.get(servicePortKey(service, portName))?.backends ?? [];
  }

  /** The addresses a name of service `ns/name` resolves to (DNS): the cluster IP, or a headless service's ready pod IPs. */
  addresses(namespace: string, name: string): string[] | undefined {
    const svc = this.services.get(`${namespace}/${name}`);
    if (!svc || svc.spec.type === "ExternalName") return undefined;
    const ip = proxiedClusterIP(svc);
    if (ip) return [ip];
    if (svc.spec.clusterIP !== "None") return undefined;
    const ep = this.endpoints.get(`${namespace}/${name}`);
    return [...new Set((ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)))];
  }

  /**
   * The address of `hostname` under headless service `ns/service` (DNS `<hostname>.<service>.<ns>.svc`):
   * the ready Endpoints address with that hostname, as CoreDNS answers; undefined when none.
   */
  hostAddress(namespace: string, service: string, hostname: string): string | undefined {
    const svc = this.services.get(`${namespace}/${service}`);
    if (!svc || svc.spec.clusterIP !== "None") return undefined;
    const ep = this.endpoints.get(`${namespace}/${service}`);
    for (const s of ep?.subsets ?? []) for (const a of s.addresses ?? []) if (a.hostname === hostname) return a.ip;
    return undefined;
  }

  /** Namespace of a pod of this node by its IP (DNS short names). */
  namespaceOf(podIP: string): string | undefined {
    return this.podIPs.get(podIP);
  }

  /** The Services of a namespace (service environment variables). */
  servicesIn(namespace: string): Service[] {
    return this.services.list().filter((s) => (s.metadata.namespace ?? "default") === namespace);
  }

  /** Stop listening, end the proxied connections, drop the routes this proxy added. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.services.stop(), this.endpoints.stop(), this.pods.stop()]);
    await this.listeners.closeAll();
    for (const s of this.sockets) s.destroy();
    await Promise.all([...this.extraRoutes].map((r) => removeLocalRoute(r, this.opts.ip ?? runIp)));
    this.extraRoutes.clear();
  }

  /** Coalesce a burst of events into one recomputation. */
  private schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (!this.stopped) this.sync();
    });
  }

  /** Recompute listeners and backends from the caches. */
  private sync(): void {
    const ctx = { nodeName: this.opts.nodeName, podNetworkCidr: this.opts.podNetworkCidr, pod: (ns: string, name: string) => this.pods.get(`${ns}/${name}`) };
    const next = new Map<string, PortState>();
    for (const svc of this.services.list()) {
      const key = objectKey(svc);
      const ep = this.endpoints.get(key);
      const affinity = svc.spec.sessionAffinity === "ClientIP" ? ((svc.spec as AffinityConfig).sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) * 1000 : 0;
      for (const sp of svc.spec.ports ?? []) {
        const pk = servicePortKey(key, sp.name ?? "");
        const balancer = this.ports.get(pk)?.balancer ?? new Balancer();
        balancer.setAffinity(affinity);
        next.set(pk, { backends: backendsFor(sp, ep, ctx), balancer });
      }
    }
    this.ports = next;
    const ips = new Map<string, string>();
    for (const p of this.pods.list()) if (p.spec.nodeName === this.opts.nodeName && p.status?.podIP) ips.set(p.status.podIP, p.metadata.namespace ?? "default");
    this.podIPs = ips;
    const desired = desiredListeners(this.services.list(), this.opts.nodePortAddresses, this.opts.clusterIPs);
    this.listeners.reconcile(desired);
    // Routes of cluster IPs outside the routed range that no listener needs any more.
    const wanted = new Set([...desired.values()].filter((l) => l.kind === "clusterIP").map((l) => `${l.ip}/32`));
    for (const r of [...this.extraRoutes]) {
      if (!wanted.has(r)) {
        this.extraRoutes.delete(r);
        void removeLocalRoute(r, this.opts.ip ?? runIp);
      }
    }
  }

  private async prepare(spec: ListenerSpec): Promise<void> {
    if (spec.kind !== "clusterIP" || cidrContains(this.opts.serviceCidr, spec.ip)) return;
    const route = `${spec.ip}/32`;
    if (this.extraRoutes.has(route)) return;
    await addLocalRoute(route, this.opts.ip ?? runIp);
    this.extraRoutes.add(route);
  }

  private accept(sock: net.Socket, spec: ListenerSpec): void {
    this.sockets.add(sock);
    sock.once("close", () => this.sockets.delete(sock));
    const state = this.ports.get(servicePortKey(spec.service, spec.portName));
    const client = sock.remoteAddress ?? "";
    const order = state ? state.balancer.order(state.backends, client) : [];
    forwardConnection(sock, order, {
      connectTimeoutMs: this.opts.connectTimeoutMs,
      onConnected: (b) => state?.balancer.connected(client, b),
      onFailed: (err) => this.log.debug({ service: spec.service, port: spec.port, err }, "no backend accepted the connection"),
    });
  }
}
