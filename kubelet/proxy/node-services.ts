/**
 * Everything a node agent does for Services, behind one call from startKubelet: the local routes
 * that make cluster IPs and the node DNS address bindable, the service proxy, the node's DNS
 * server, and what the kubelet asks of them when it creates pods (sandbox DNS settings, service
 * environment variables).
 */
import { createHash } from "node:crypto";
import type { ApiClient } from "../../lib/client.js";
import type { Logger } from "../../lib/logger.js";
import type { Pod } from "../../lib/types.js";
import { startDnsServer, type DnsServer } from "../dns/server.js";
import { CLUSTER_DOMAIN } from "../dns/resolver.js";
import { hostNameservers, UpstreamForwarder } from "../dns/upstream.js";
import { serviceEnvVars } from "../service-env.js";
import { cidrContains, parseCidr } from "../../lib/ipv4.js";
import { addLocalRoute, runIp, type IpRunner } from "./host-routes.js";
import { ServiceProxy } from "./service-proxy.js";
import { isLoopback } from "../../lib/address.js";

/** Default service range (the API server's default). */
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
/** Node DNS addresses come from here (Kubernetes' NodeLocal DNSCache uses 169.254.20.10). */
export const NODE_DNS_RANGE = "169.254.20.0/24";

/** The DNS settings of a pod sandbox (Docker's Dns, DnsSearch, DnsOptions). */
export interface SandboxDns {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Options of {@link startNodeServices}. */
export interface NodeServicesOptions {
  client: ApiClient;
  logger: Logger;
  nodeName: string;
  nodeIP: string;
  /** the range the API server allocates cluster IPs from; default 10.96.0.0/12 */
  serviceCidr?: string;
  /** the pod network's range when other nodes' pods are routed here (backends by pod IP) */
  podNetworkCidr?: string;
  /** node ports listen here; default the node IP (plus 127.0.0.1 when the node IP is not loopback) */
  nodePortAddresses?: string[];
  /** fixed DNS address (default: one picked in 169.254.20.0/24 from the node name) */
  dnsAddress?: string;
  /** false: no DNS server (pods keep the engine's resolv.conf) */
  dns?: boolean;
  /** upstream resolvers; default the host's /etc/resolv.conf nameservers */
  upstreams?: string[];
  ip?: IpRunner;
}

/** The running node services. */
export interface NodeServices {
  proxy: ServiceProxy;
  /** the node DNS server's address, when it runs */
  dnsAddress?: string;
  /** Sandbox DNS settings for a pod of `namespace` (undefined: leave the engine's default). */
  sandboxDns(namespace: string): SandboxDns | undefined;
  /** Service variables for a container of `pod` (Services as they are now). */
  serviceEnv(pod: Pod): Map<string, string>;
  stop(): Promise<void>;
}

/** First candidate DNS address of a node: a stable spot in 169.254.20.10-249 derived from its name. */
export function dnsAddressCandidates(nodeName: string): string[] {
  const h = createHash("sha256").update(nodeName).digest().readUInt32BE(0);
  return Array.from({ length: 240 }, (_, i) => `169.254.20.${10 + ((h + i) % 240)}`);
}

/** Start the proxy and the DNS server of a node. Never throws for lack of privileges: it degrades and says so. */
export async function startNodeServices(opts: NodeServicesOptions): Promise<NodeServices> {
  const log = opts.logger.child({ subsystem: "node-services" });
  const ip = opts.ip ?? runIp;
  const serviceCidr = opts.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  parseCidr(serviceCidr); // a bad range is a configuration error: fail the start, naming it
  let routed = true;
  try {
    await addLocalRoute(serviceCidr, ip);
    await addLocalRoute(NODE_DNS_RANGE, ip);
  } catch (err) {
    routed = false;
    log.warn({ err: (err as Error).message }, "cannot add local routes (needs root / CAP_NET_ADMIN): cluster IPs and node DNS are off, node ports still work");
  }
  const nodePortAddresses = opts.nodePortAddresses ?? (isLoopback(opts.nodeIP) ? [opts.nodeIP] : [opts.nodeIP, "127.0.0.1"]);
  const proxy = new ServiceProxy({ client: opts.client, logger: opts.logger, nodeName: opts.nodeName, nodePortAddresses, clusterIPs: routed, serviceCidr, podNetworkCidr: opts.podNetworkCidr, ip });
  await proxy.start();

  let dns: DnsServer | undefined;
  if (routed && opts.dns !== false) {
    const own = (a: string): boolean => cidrContains(NODE_DNS_RANGE, a);
    const upstream = new UpstreamForwarder((opts.upstreams ?? hostNameservers(own)).map((host) => ({ host, port: 53 })));
    const deps = { directory: proxy, upstream };
    // Several agents may share a machine: each takes the first free address of its sequence.
    for (const address of opts.dnsAddress ? [opts.dnsAddress] : dnsAddressCandidates(opts.nodeName)) {
      try {
        dns = await startDnsServer({ address, deps, logger: log });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") {
          log.warn({ err: (err as Error).message, address }, "node DNS server did not start");
          break;
        }
      }
    }
    if (dns) log.info({ dns: dns.address, serviceCidr, nodePortAddresses }, "node DNS and service proxy started");
  }
  return {
    proxy,
    dnsAddress: dns?.address,
    sandboxDns(namespace) {
      if (!dns) return undefined;
      return {
        servers: [dns.address],
        searches: [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN],
        options: ["ndots:5"],
      };
    },
    serviceEnv: (pod) => serviceEnvVars(pod, proxy.servicesIn(pod.metadata.namespace ?? "default")),
    async stop() {
      await dns?.close().catch(() => undefined);
      await proxy.stop();
    },
  };
}
