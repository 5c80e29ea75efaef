/**
 * The node's pod bridge: a Docker bridge network whose subnet is the node's spec.podCIDR, so
 * pod sandboxes get cluster-unique IPs from the node's range. Labelled as kctl's (and named
 * after the node), so several agents can share one engine and `--cleanup` finds it again.
 * Docker's own masquerading is off on it: pod-to-pod traffic keeps its source address, and
 * masquerade.ts masquerades only what leaves the cluster CIDR.
 */
import { createHash } from "node:crypto";
import type Dockerode from "dockerode";
import { intToIp, parseCidr, rangesOverlap } from "../../lib/ipv4.js";
import { LABEL_MANAGED, LABEL_NODE } from "../labels.js";

/** Label carrying the podCIDR a pod bridge was made for. */
export const LABEL_POD_CIDR = "kctl.io/pod-cidr";

/** The Docker network of `node`'s pods. */
export function podNetworkName(node: string): string {
  return `kctl-pods-${node}`;
}

/** The Linux bridge of `node`'s pod network: kctl + a short hash (15 characters at most). */
export function podBridgeName(node: string): string {
  return `kctl${createHash("sha256").update(node).digest("hex").slice(0, 8)}`;
}

/** The gateway (the host's address on the bridge): the first address of the range. */
export function bridgeGateway(podCIDR: string): string {
  return intToIp(parseCidr(podCIDR).base + 1);
}

/**
 * Make sure `node`'s pod network exists with subnet `podCIDR`; re-create it when it was made for
 * another range and no container is on it. Resolves with the network's name.
 * @throws Error saying why (the engine refused the subnet: an address clash)
 */
export async function ensurePodBridge(docker: Dockerode, node: string, podCIDR: string, opts: { mtu?: number; dockerMasquerade?: boolean } = {}): Promise<string> {
  const name = podNetworkName(node);
  const existing = await docker
    .getNetwork(name)
    .inspect()
    .catch((e: unknown) => ((e as { statusCode?: number }).statusCode === 404 ? undefined : Promise.reject(e)));
  if (existing) {
    const subnet = (existing as { IPAM?: { Config?: { Subnet?: string }[] } }).IPAM?.Config?.[0]?.Subnet;
    if (subnet === podCIDR) return name;
    const attached = Object.keys((existing as { Containers?: Record<string, unknown> }).Containers ?? {}).length;
    if (attached > 0) throw new Error(`pod network ${name} has subnet ${subnet ?? "none"}, not the node's podCIDR ${podCIDR}, and ${attached} containers still use it`);
    await docker.getNetwork(name).remove();
  }
  await removeStaleOverlapping(docker, name, podCIDR);
  try {
    await docker.createNetwork({
      Name: name,
      Driver: "bridge",
      CheckDuplicate: true,
      IPAM: { Driver: "default", Config: [{ Subnet: podCIDR, Gateway: bridgeGateway(podCIDR) }] },
      Options: {
        "com.docker.network.bridge.name": podBridgeName(node),
        "com.docker.network.bridge.enable_ip_masquerade": opts.dockerMasquerade ? "true" : "false",
        ...(opts.mtu ? { "com.docker.network.driver.mtu": String(opts.mtu) } : {}),
      },
      Labels: { [LABEL_MANAGED]: "true", [LABEL_NODE]: node, [LABEL_POD_CIDR]: podCIDR },
    });
  } catch (e) {
    const err = e as { json?: { message?: string }; message?: string };
    const clash = (await docker.listNetworks().catch(() => [])).find((n) => n.IPAM?.Config?.some((c) => c.Subnet && safeOverlap(c.Subnet, podCIDR)));
    throw new Error(`cannot create pod network ${name} for ${podCIDR}: ${err.json?.message ?? err.message ?? String(e)}${clash ? ` (network ${clash.Name} has ${clash.IPAM?.Config?.map((c) => c.Subnet).join(", ")})` : ""}`);
  }
  return name;
}

/**
 * Empty kctl pod networks of other nodes whose subnet overlaps `podCIDR` are stale: the node IPAM
 * never hands one range to two nodes, so their node gave it up (deleted, or an agent that shared
 * this engine and is gone). They are removed; one that still has containers is left, and the
 * engine's refusal then names the clash.
 */
async function removeStaleOverlapping(docker: Dockerode, keep: string, podCIDR: string): Promise<void> {
  const mine = parseCidr(podCIDR);
  const nets = await docker.listNetworks({ filters: { label: [`${LABEL_MANAGED}=true`, LABEL_POD_CIDR] } });
  for (const n of nets) {
    const cidr = n.Labels?.[LABEL_POD_CIDR];
    if (n.Name === keep || !cidr) continue;
    let other;
    try {
      other = parseCidr(cidr);
    } catch {
      continue;
    }
    if (!rangesOverlap(mine, other)) continue;
    const info = await docker.getNetwork(n.Id).inspect().catch(() => undefined);
    if (!info || Object.keys((info as { Containers?: Record<string, unknown> }).Containers ?? {}).length > 0) continue;
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

/** Remove `node`'s pod network (or every kctl pod network of the engine when `node` is omitted). */
export async function removePodBridges(docker: Dockerode, node?: string): Promise<string[]> {
  const nets = await docker.listNetworks({ filters: { label: [`${LABEL_MANAGED}=true`, ...(node ? [`${LABEL_NODE}=${node}`] : [])] } });
  const removed: string[] = [];
  for (const n of nets) {
    if (!n.Labels?.[LABEL_POD_CIDR]) continue;
    await docker.getNetwork(n.Id).remove().then(() => removed.push(n.Name), () => undefined);
  }
  return removed;
}

function safeOverlap(a: string, b: string): boolean {
  try {
    return rangesOverlap(parseCidr(a), parseCidr(b));
  } catch {
    return false;
  }
}
