/**
 * The controller manager: every controller of kctl, sharing one informer per kind, started
 * together. `kctl server` runs it in-process; `kctl controller-manager` runs it alone.
 */
import type { ApiClient } from "../lib/client.js";
import type { Logger } from "../lib/logger.js";
import { SharedInformers } from "../lib/shared-informers.js";
import type { ControllerContext } from "./context.js";
import { newCronJobController } from "./cronjob/controller.js";
import { newDaemonSetController } from "./daemonset/controller.js";
import { newDeploymentController } from "./deployment/controller.js";
import { newEndpointsController } from "./endpoints/controller.js";
import { EventRecorder } from "../lib/events.js";
import { newGarbageCollector } from "./gc/controller.js";
import { newJobController } from "./job/controller.js";
import { newNodeLifecycleController } from "./nodelifecycle/controller.js";
import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE, newNodeIpamController } from "./nodeipam/controller.js";
import { clusterCidrConflict, hostNetworks } from "./nodeipam/host-networks.js";
import { newReplicaSetController } from "./replicaset/controller.js";
import { newReplicationControllerController } from "./replicationcontroller/controller.js";
import { newStatefulSetController } from "./statefulset/controller.js";
import { newVolumeController } from "./volume/controller.js";
import type { Controller } from "./runner.js";

export interface ControllerManagerOptions {
  client: ApiClient;
  logger: Logger;
  /** a node silent this long becomes Ready=Unknown and tainted unreachable; default 20 */
  nodeMonitorGracePeriodSeconds?: number;
  /** pods of an unreachable node are evicted this long after it was tainted; default 30 */
  podEvictionTimeoutSeconds?: number;
  /** time source (tests); default the wall clock */
  now?: () => Date;
  /** the CronJob controller's time source (tests move it by hours); default `now` */
  cronJobNow?: () => Date;
  /** how often every CronJob is re-examined besides its own next-schedule wake-up (ms); default 10 s */
  cronJobResyncMs?: number;
  /** workers per controller; default 4 */
  workers?: number;
  /**
   * informers shared with other components of the process (`kctl server`); the caller starts
   * nothing, and stops them after this manager. Default: the manager creates and stops its own.
   */
  informers?: SharedInformers;
  /**
   * node IPAM: the range every Node gets a `nodeCidrMaskSize` slice of in spec.podCIDR; default
   * 10.244.0.0/16 and /24. `false` turns node IPAM off.
   */
  clusterCidr?: string | false;
  nodeCidrMaskSize?: number;
  /** the Service range, which the cluster CIDR may not overlap (checked at start) */
  serviceCidr?: string;
}

export interface ControllerManager {
  /** Stop every controller, then the informers; waits for in-flight reconciles and event writes. */
  stop(): Promise<void>;
}

export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS = 15;
export const DEFAULT_POD_EVICTION_TIMEOUT_SECONDS = 5;

/** Start every controller with shared informers; resolves once caches are synced and workers run. */
export async function startControllerManager(opts: ControllerManagerOptions): Promise<ControllerManager> {
  const now = opts.now ?? (() => new Date());
  const clusterCidr = opts.clusterCidr === false ? undefined : opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR;
  if (clusterCidr) {
    // Refused before anything starts: pod ranges that shadow real networks or service IPs half-work.
    const conflict = clusterCidrConflict(clusterCidr, opts.serviceCidr, hostNetworks());
    if (conflict) throw new Error(conflict);
  }
  // The caller binds `component` (kctl server and kctl controller-manager both do).
  const logger = opts.logger;
  const ownInformers = opts.informers === undefined;
  const informers = opts.informers ?? new SharedInformers(opts.client, logger);
  const events = new EventRecorder({ client: opts.client, component: "controller-manager", logger, now });
  const ctx: ControllerContext = {
    client: opts.client,
    logger,
    informers,
    recorder: (component) => events.forComponent(component),
    now,
    workers: opts.workers ?? 4,
  };
  const nodes = newNodeLifecycleController(ctx, {
    gracePeriodMs: (opts.nodeMonitorGracePeriodSeconds ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS) * 1000,
    evictionTimeoutMs: (opts.podEvictionTimeoutSeconds ?? DEFAULT_POD_EVICTION_TIMEOUT_SECONDS) * 1000,
  });
  const cron = newCronJobController(opts.cronJobNow ? { ...ctx, now: opts.cronJobNow } : ctx, opts.cronJobResyncMs);
  const controllers: Controller[] = [
    newReplicaSetController(ctx), newReplicationControllerController(ctx), newDeploymentController(ctx), newStatefulSetController(ctx), newEndpointsController(ctx), newGarbageCollector(ctx), newVolumeController(ctx), newJobController(ctx), cron.controller, newDaemonSetController(ctx), nodes.controller,
    ...(clusterCidr ? [newNodeIpamController(ctx, { clusterCidr, nodeCidrMaskSize: opts.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE })] : []),
  ];

  let stopMonitor: (() => void) | undefined;
  let stopCronResync: (() => void) | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    stopMonitor?.();
    stopCronResync?.();
    await Promise.all(controllers.map((c) => c.stop()));
    if (ownInformers) await informers.stop();
    await events.flush();
  };

  // Workers start only on complete caches: a reconcile on a half-listed cache would create
  // pods that already exist.
  const synced = await informers.startAndSync();
  if (!synced) {
    await stop();
    throw new Error("controller manager: informers stopped before syncing");
  }
  for (const c of controllers) c.start();
  stopMonitor = nodes.startMonitor();
  stopCronResync = cron.startResync();
  logger.info({ controllers: controllers.map((c) => c.name) }, "controllers started");
  return { stop };
}
