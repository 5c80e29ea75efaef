/**
 * The node IPAM controller (Kubernetes' nodeipam, range allocator): gives every Node one range
 * of the cluster CIDR in `spec.podCIDR`/`spec.podCIDRs` (a /24 of 10.244.0.0/16 by default), never
 * the same range twice, and takes it back when the Node is deleted. Ranges a node already carries
 * are recorded first, so a restarted controller hands out nothing that is in use.
 */
import { isNotFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { Node } from "../../lib/types.js";
import type { ControllerContext } from "../context.js";
import { Controller, type ReconcileResult } from "../runner.js";
import { CidrSet } from "./cidr-set.js";

export const NODE_IPAM_CONTROLLER = "node-ipam-controller";
/** Kubernetes' default cluster CIDR of kubeadm/flannel set-ups. */
export const DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
/** A full cluster CIDR is looked at again this often (a deleted node may free a range). */
const FULL_RETRY_MS = 10_000;

export interface NodeIpamConfig {
  clusterCidr: string;
  nodeCidrMaskSize: number;
}

/** Build the node IPAM controller (one worker: the allocator is not shared between workers). */
export function newNodeIpamController(ctx: ControllerContext, cfg: NodeIpamConfig): Controller {
  const set = new CidrSet(cfg.clusterCidr, cfg.nodeCidrMaskSize);
  const nodes = ctx.informers.get<Node>("Node");
  const recorder = ctx.recorder(NODE_IPAM_CONTROLLER);
  const controller = new Controller({ name: NODE_IPAM_CONTROLLER, logger: ctx.logger, workers: 1, reconcile: (k, l) => reconcile(k, l) });
  let primed = false;

  nodes.addEventHandler({
    onAdd: (n) => controller.enqueue(n.metadata.name ?? ""),
    onUpdate: (o, n) => {
      if (o.spec?.podCIDR !== n.spec?.podCIDR) controller.enqueue(n.metadata.name ?? "");
    },
    onDelete: (n) => controller.enqueue(n.metadata.name ?? ""),
  });

  /** Record every range already assigned before handing any out (runs once, on the synced cache). */
  function prime(log: Logger): void {
    primed = true;
    for (const n of nodes.list()) {
      const cidr = n.spec?.podCIDR;
      if (!cidr) continue;
      const r = set.occupy(cidr, n.metadata.name ?? "");
      if (r !== "ok") log.warn({ node: n.metadata.name, podCIDR: cidr, conflict: r }, "node carries a pod CIDR this controller cannot record");
    }
  }

  async function reconcile(name: string, log: Logger): Promise<ReconcileResult | void> {
    if (!primed) prime(log);
    const node = nodes.get(name);
    if (!node) {
      const freed = set.releaseNode(name);
      if (freed.length) log.info({ released: freed }, "released the pod CIDR of a deleted node");
      return;
    }
    const have = node.spec?.podCIDR;
    if (have) {
      const r = set.occupy(have, name);
      if (r === "outside") {
        recorder.event(node, "Warning", "CIDRNotAvailable", `Node ${name}: podCIDR ${have} is not a /${set.maskBits} of the cluster CIDR ${set.cluster.cidr}`);
      } else if (r !== "ok") {
        recorder.event(node, "Warning", "CIDRNotAvailable", `Node ${name}: podCIDR ${have} is already assigned to node ${r.heldBy}`);
      }
      return;
    }
    const cidr = set.allocate(name);
    if (!cidr) {
      recorder.event(node, "Warning", "CIDRNotAvailable", `Node ${name} status is now: CIDRNotAvailable (all ${set.capacity} ranges of ${set.cluster.cidr} are in use)`);
      return { requeueAfterMs: FULL_RETRY_MS };
    }
    try {
      await ctx.client.patch<Node>("Node", name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (err) {
      set.releaseNode(name);
      if (isNotFound(err)) return;
      throw err;
    }
    recorder.event(node, "Normal", "CIDRAssignmentSucceeded", `Node ${name} was assigned pod CIDR ${cidr}`);
    log.info({ podCIDR: cidr }, "assigned a pod CIDR");
  }

  return controller;
}
