/**
 * `kctl agent --cleanup`: remove everything the agent put on this host — its node's containers,
 * its pod bridge, the routes with kctl's protocol number, the VXLAN device and the iptables rules
 * carrying kctl's comment. Nothing without kctl's label, protocol or comment is touched.
 */
import type Dockerode from "dockerode";
import { LABEL_MANAGED, LABEL_NODE } from "../labels.js";
import { execHost, type HostRunner } from "./host-commands.js";
import { removeRouting } from "./host-routing.js";
import { removeMasquerade } from "./masquerade.js";
import { removePodBridges } from "./pod-bridge.js";

/** What was removed, for the one-line report. */
export interface CleanupReport {
  containers: number;
  networks: string[];
  rules: number;
}

/** Remove `node`'s containers and pod network, and kctl's host routes, device and rules. */
export async function cleanupPodNetwork(docker: Dockerode, node: string, run: HostRunner = execHost): Promise<CleanupReport> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_NODE}=${node}`] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await removePodBridges(docker, node);
  await removeRouting(run);
  const rules = await removeMasquerade(run);
  return { containers: containers.length, networks, rules };
}
