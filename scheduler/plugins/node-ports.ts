/**
 * NodePorts: a host port (protocol + port) can be used once per host IP; "0.0.0.0" means every
 * address, so it conflicts with any use of the same protocol and port.
 */
import type { FilterResult, HostPort, NodeInfo, PodInfo } from "../types.js";
import { reasons } from "../types.js";

export const ERR_PORTS = "node(s) didn't have free ports for the requested pod ports";
const FAIL = reasons(ERR_PORTS);
const ANY_IP = "0.0.0.0";

/** The key under which NodeInfo.usedPorts records a host port. */
export function portKey(p: HostPort): string {
  return `${p.protocol}/${p.port}`;
}

/** Does `p` collide with a port already used on the node? */
export function portConflicts(used: Map<string, string[]>, p: HostPort): boolean {
  const ips = used.get(portKey(p));
  if (!ips || ips.length === 0) return false;
  if (p.ip === ANY_IP) return true;
  for (const ip of ips) if (ip === ANY_IP || ip === p.ip) return true;
  return false;
}

/** Fails when any of the pod's host ports is already taken on the node. */
export function nodePorts(pod: PodInfo, node: NodeInfo): FilterResult {
  const ports = pod.hostPorts;
  if (ports.length === 0) return null;
  for (const p of ports) if (portConflicts(node.usedPorts, p)) return FAIL;
  return null;
}
