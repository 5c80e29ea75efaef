/**
 * The node side of the pod network. Follows the Node list: once this node has a spec.podCIDR it
 * creates the node's pod bridge (pod-bridge.ts) and the masquerade rules (masquerade.ts); on
 * every Node change it syncs the routes to the other nodes' pod ranges (host-gw or VXLAN,
 * host-routing.ts). Until that worked it reports NetworkUnavailable=True with the reason, and
 * sandboxes are refused ("network is not ready"), so no pod half-works on a private address.
 */
import os from "node:os";
import type Dockerode from "dockerode";
import type { ApiClient } from "../../lib/client.js";
import { Informer } from "../../lib/informer.js";
import type { Logger } from "../../lib/logger.js";
import type { Node, NodeCondition } from "../../lib/types.js";
import { execHost, type HostRunner } from "./host-commands.js";
import { ensureVxlan, isOnLink, overlayPodMtu, syncRoutes } from "./host-routing.js";
import { ensureMasquerade } from "./masquerade.js";
import { planPeers, type RoutingMode } from "./peers.js";
import { ensurePodBridge } from "./pod-bridge.js";

/** Options of {@link PodNetwork}. */
export interface PodNetworkOptions {
  client: ApiClient;
  docker: Dockerode;
  nodeName: string;
  nodeIP: string;
  /** the cluster's pod range (as given to the controller manager); default 10.244.0.0/16 */
  clusterCidr: string;
  mode: RoutingMode;
  logger: Logger;
  /** host command runner (tests inject failures); default execFile */
  run?: HostRunner;
  /**
   * may this process change the host (routes, iptables)? default: running as root. Without it the
   * pod bridge is made with Docker's own masquerading and the node is ready as long as no other
   * node needs a route (one host works; a lab of several needs root)
   */
  hostChanges?: boolean;
  /** re-apply routes this often even without Node changes (repairs manual deletions); default 30 s */
  resyncMs?: number;
}

/** The NetworkUnavailable condition as the node reports it. */
export interface NetworkState {
  ready: boolean;
  reason: string;
  message: string;
}

/** This node's pod network: its Docker network and routes to every other node's pods. */
export class PodNetwork {
  private readonly run: HostRunner;
  private readonly hostChanges: boolean;
  private readonly informer: Informer<Node>;
  private readonly log: Logger;
  private network?: string;
  private podCIDR?: string;
  private state: NetworkState = { ready: false, reason: "NoPodCIDR", message: "waiting for the node IPAM controller to assign spec.podCIDR" };
  private running?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private vxlanUp = false;
  /** called when the state changes (the kubelet posts node status at once) */
  onChange?: () => void;

  constructor(private readonly opts: PodNetworkOptions) {
    this.run = opts.run ?? execHost;
    this.hostChanges = opts.hostChanges ?? process.getuid?.() === 0;
    this.log = opts.logger.child({ subsystem: "pod-network" });
    this.informer = new Informer<Node>(opts.client, "Node", { logger: this.log });
    const kick = (): void => this.kick();
    this.informer.addEventHandler({ onAdd: kick, onUpdate: (o, n) => (routingChanged(o, n) ? kick() : undefined), onDelete: kick });
  }

  /** Start following the Node list. */
  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    // A sync the listed nodes' adds started already sees them (an add after it began queues
    // another): kicking again here only repeated it, one more `ip route` listing at every start.
    if (!this.running) this.kick();
    this.timer = setInterval(() => this.kick(), this.opts.resyncMs ?? 30_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.informer.stop();
    await this.running;
  }

  /** Where a new sandbox goes. @throws Error "network is not ready: ..." until the network is set up */
  sandboxNetwork(): string {
    if (!this.network || !this.state.ready) throw new Error(`network is not ready: ${this.state.message}`);
    return this.network;
  }

  /**
   * Why the node cannot run pods at all yet (no podCIDR, the bridge never made), or undefined once
   * the bridge has been up: a later routing failure only keeps new pods away (NetworkUnavailable),
   * it does not make the node NotReady and evict what runs.
   */
  notReadyReason(): string | undefined {
    return this.podCIDR === undefined ? this.state.message : undefined;
  }

  /** What the NetworkUnavailable condition says now. */
  current(): NetworkState {
    return this.state;
  }

  /** The NetworkUnavailable condition for the node status, keeping its transition time. */
  condition(old: readonly NodeCondition[] | undefined, now: string): NodeCondition {
    const status = this.state.ready ? "False" : "True";
    const prev = old?.find((c) => c.type === "NetworkUnavailable");
    return {
      type: "NetworkUnavailable",
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
      reason: this.state.reason,
      message: this.state.message,
    };
  }

  /** A sync resolving once the network matches the Node list as it is now (tests, start-up). */
  async syncNow(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync()
      .catch((err: unknown) => this.log.error({ err }, "pod network sync failed"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async sync(): Promise<void> {
    const before = JSON.stringify(this.state);
    await this.apply();
    if (JSON.stringify(this.state) !== before) this.onChange?.();
    if (!this.state.ready && this.podCIDR === undefined && this.informer.get(this.opts.nodeName)?.spec?.podCIDR) {
      // a failed set-up is retried soon, not only at the next resync
      setTimeout(() => this.kick(), 5_000).unref();
    }
  }

  private async apply(): Promise<void> {
    const { nodeName, nodeIP } = this.opts;
    const self = this.informer.get(nodeName);
    const podCIDR = self?.spec?.podCIDR;
    if (!podCIDR) return;
    try {
      if (this.podCIDR !== podCIDR || !this.network || !this.state.ready) {
        // auto as well as vxlan: a peer behind a router may join at any time, and the bridge's MTU is
        // fixed when it is made. A node on a loopback address (one machine) has no overlay peers:
        // the engine's default, not loopback's 65536.
        const overlayPossible = this.opts.mode !== "host-gw" && !nodeIP.startsWith("127.");
        const bridge = async (): Promise<string> => {
          const mtu = overlayPossible ? await overlayPodMtu(this.run, nodeIP) : undefined;
          return ensurePodBridge(this.opts.docker, nodeName, podCIDR, { mtu, dockerMasquerade: !this.hostChanges });
        };
        // The bridge (the engine's work) and kctl's iptables rules do not depend on each other.
        const [network] = await Promise.all([bridge(), this.hostChanges ? ensureMasquerade(this.run, this.opts.clusterCidr, podCIDR) : undefined]);
        this.network = network;
        this.podCIDR = podCIDR;
        this.vxlanUp = false;
        this.log.info({ podCIDR, network: this.network }, "pod network ready");
      }
      const local = localIPv4s();
      const onLink = new Map<string, boolean>();
      if (this.opts.mode === "auto") {
        for (const n of this.informer.list()) {
          const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
          if (ip && !local.has(ip) && !ip.startsWith("127.")) onLink.set(ip, await isOnLink(this.run, ip));
        }
      }
      const peers = planPeers(nodeName, this.informer.list(), this.opts.mode, local, (ip) => onLink.get(ip) ?? true);
      if (!this.hostChanges && peers.length > 0) {
        throw new Error(`cannot install routes to the pod ranges of ${peers.length} other nodes: the agent is not root (needs CAP_NET_ADMIN for ip route and iptables)`);
      }
      if (peers.some((p) => p.via === "vxlan") && !this.vxlanUp) {
        await ensureVxlan(this.run, nodeName, podCIDR, nodeIP);
        this.vxlanUp = true;
      }
      const changed = await syncRoutes(this.run, peers, this.log);
      if (changed.added.length || changed.removed.length) this.log.info(changed, "pod routes synced");
      this.state = { ready: true, reason: "RouteCreated", message: `pod network ${podCIDR} is up; routes to ${peers.length} other nodes` };
    } catch (err) {
      const message = (err as Error).message;
      if (this.state.message !== message) this.log.error({ err: message }, "pod network cannot be set up");
      this.state = { ready: false, reason: "NoRouteCreated", message };
    }
  }
}

/** Did anything the routes depend on change (podCIDR, addresses)? Heart-beats alone do not count. */
function routingChanged(a: Node, b: Node): boolean {
  return a.spec?.podCIDR !== b.spec?.podCIDR || JSON.stringify(a.status?.addresses ?? []) !== JSON.stringify(b.status?.addresses ?? []);
}

/** This host's IPv4 addresses. */
function localIPv4s(): Set<string> {
  const out = new Set<string>();
  for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === "IPv4") out.add(a.address);
  return out;
}
