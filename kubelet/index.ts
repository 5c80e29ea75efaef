/**
 * startKubelet: the node agent. Registers the Node and heart-beats; watches the pods bound to
 * this node (informer, `spec.nodeName=<node>`) and this node's containers (Docker events plus a
 * periodic relist); syncs each pod on its own lane (pod-workers.ts); serves logs/exec through the
 * kubelet server. See README.md for the diagram.
 */
import os from "node:os";
import path from "node:path";
import type { ApiClient } from "../lib/client.js";
import { isNotFound } from "../lib/errors.js";
import { Informer } from "../lib/informer.js";
import type { Logger } from "../lib/logger.js";
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Taint } from "../lib/types.js";
import { LOCAL_PATH_DIR_ANNOTATION } from "../lib/storage.js";
import { startLocalPathCleanup } from "./local-path-cleanup.js";
import { defaultMemoryDir, localPathDir } from "./volumes.js";
import { ReferencedObjects } from "./referenced-objects.js";
import { PodWorkers } from "./pod-workers.js";
import { limitRuntime } from "./runtime/limited-runtime.js";
import { DEFAULT_BACKOFF, type BackoffConfig } from "./backoff.js";
import { wallClock, type Clock, type Timer } from "../lib/clock.js";
import { Pleg } from "./pleg.js";
import type { ContainerRuntime } from "./runtime/types.js";
import type { ObjectSource } from "./env.js";
import { EventRecorder } from "../lib/events.js";
import { ImageManager } from "./images.js";
import { ImageGC } from "./image-gc.js";
import { hostIPv4 } from "../lib/address.js";
import { NodeStatusReporter } from "./node-status.js";
import { PodSyncer } from "./pod-syncer.js";
import { startNodeServices, type NodeServices, type NodeServicesOptions } from "./proxy/node-services.js";
import { runProbe } from "./probes/handlers.js";
import { ProbeManager } from "./probes/manager.js";
import { DockerRuntime, dockerClient } from "./runtime/docker-runtime.js";
import { startKubeletServer } from "./server/index.js";
import { MetricsSampler } from "./metrics/sampler.js";
import type { EngineStats } from "./metrics/usage.js";
import { StatusManager } from "./status-manager.js";
import { PodNetwork } from "./network/pod-network.js";
import type { RoutingMode } from "./network/peers.js";

export { PORTS_ANNOTATION } from "./pod-syncer.js";
export { SANDBOX_IMAGE } from "./sandbox-image.js";

/** Options of {@link startKubelet}. */
export interface KubeletOptions {
  client: ApiClient;
  logger: Logger;
  nodeName: string;
  /** the node's address (published ports bind here); default: first non-internal IPv4, else 127.0.0.1 */
  nodeIP?: string;
  /**
   * the container runtime (additive); default a DockerRuntime on `dockerSocket`/`dockerHost`.
   * Tests pass a fake one (test/support/fake-runtime.ts).
   */
  runtime?: ContainerRuntime;
  /** path of the engine's unix socket */
  dockerSocket?: string;
  /** `unix:///var/run/docker.sock` or `tcp://host:2375` */
  dockerHost?: string;
  nodeLabels?: Record<string, string>;
  taints?: Taint[];
  capacity?: { cpu?: string; memory?: string; pods?: number };
  /** Lease renewal period; default 3 (node status is read every 10 s and written when it changed) */
  heartbeatSeconds?: number;
  /** default 10 */
  relistSeconds?: number;
  /** restart back-off base, default 1000 */
  backoffBaseMs?: number;
  /** restart back-off cap, default 60000 */
  backoffCapMs?: number;
  /** a container that ran this long resets its back-off; default 600000 (additive) */
  backoffResetMs?: number;
  /** the kubelet server's port (logs/exec); default 0 = ephemeral */
  kubeletServerPort?: number;
  /** bearer token the kubelet server requires (additive; plain HTTP, legacy) */
  kubeletServerToken?: string;
  /**
   * Serve logs/exec over HTTPS with this node's CA-signed certificate and accept only the API
   * server's client certificate (what `kctl agent` gets when it joins) (additive)
   */
  kubeletServerTls?: { certPem: string; keyPem: string; caPem: string };
  /** where emptyDir/configMap volumes live; default ~/.kctl/kubelet/<node> (additive) */
  dataDir?: string;
  /** where Secret volumes live, a tmpfs; default /dev/shm/kctl-kubelet/<node> (additive) */
  memoryDir?: string;
  /** labels added to every container (tests tag their run) (additive) */
  containerLabels?: Record<string, string>;
  /**
   * engine create/start/remove calls in flight at once (every pod has its own worker; this bounds
   * what the engine sees, never which pod goes first); default 10 (additive)
   */
  engineConcurrency?: number;
  /**
   * image garbage collection: above `imageGcHighPercent` disk use of the images' filesystem,
   * unused images are removed (least recently used first) down to `imageGcLowPercent`;
   * defaults 85 and 80, as Kubernetes (additive)
   */
  imageGcHighPercent?: number;
  imageGcLowPercent?: number;
  /** how often image GC looks; default 300, 0 turns it off (additive) */
  imageGcPeriodSeconds?: number;
  /** injectable clock (additive) */
  clock?: Clock;
  /** how often container usage is sampled and reported (metrics.k8s.io); default 15, 0 turns it off (additive) */
  metricsPeriodSeconds?: number;
  /** service proxy + node DNS (kubelet/proxy); false turns them off (additive) */
  services?: false | Pick<NodeServicesOptions, "serviceCidr" | "podNetworkCidr" | "nodePortAddresses" | "dns" | "dnsAddress" | "upstreams">;
  /**
   * one pod network across nodes (./network/): sandboxes on a bridge with the node's spec.podCIDR,
   * routes to the other nodes' ranges (host-gw, VXLAN, or auto per peer). Off by default in the
   * library (pods on the engine's default bridge, as before); `kctl agent`/`kctl server` turn it on (additive)
   */
  podNetwork?: { clusterCidr: string; mode: RoutingMode };
  /**
   * "when-needed": a pod that needs no sandbox (one container, no init containers, no pod IP in
   * its env: pod-plan.ts needsSandbox) runs without one, its container holding the network;
   * "always": every pod gets a sandbox. Default: "when-needed" on the pod network (a network of
   * kctl's own, so a restarted container gets its pod IP back), "always" elsewhere (additive)
   */
  podSandbox?: "always" | "when-needed";
}

/** A running kubelet. */
export interface Kubelet {
  /** Stop the agent. Containers keep running (a restarted agent adopts them) unless asked. */
  stop(opts?: { removeContainers?: boolean }): Promise<void>;
  /**
   * Resolves once every pod this agent found at start (bound here, or with containers here) has
   * been synced once: what "the restarted agent has looked at everything" means.
   */
  initialSync: Promise<void>;
}

/** Lease renewal period: five renewals fit in the lab's node-monitor grace period (Kubernetes: 4, 10 s of 40 s). */
export const DEFAULT_HEARTBEAT_SECONDS = 3;

/** Start the node agent; resolves once the node is registered and the first sync is queued. */
export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const { client, nodeName } = opts;
  const gcHigh = opts.imageGcHighPercent ?? 85;
  const gcLow = opts.imageGcLowPercent ?? 80;
  if (!(gcHigh > 0 && gcHigh <= 100 && gcLow >= 0 && gcLow < gcHigh)) {
    throw new Error(`image GC thresholds: need 0 <= low (${gcLow}) < high (${gcHigh}) <= 100`);
  }
  const logger = opts.logger.child({ node: nodeName });
  const clock = opts.clock ?? wallClock;
  const nodeIP = opts.nodeIP ?? hostIPv4();
  const dataDir = opts.dataDir ?? path.join(os.homedir(), ".kctl", "kubelet", nodeName);
  const backoffConfig: BackoffConfig = {
    baseMs: opts.backoffBaseMs ?? DEFAULT_BACKOFF.baseMs,
    capMs: opts.backoffCapMs ?? DEFAULT_BACKOFF.capMs,
    resetAfterMs: opts.backoffResetMs ?? DEFAULT_BACKOFF.resetAfterMs,
  };

  const baseRuntime = opts.runtime ?? new DockerRuntime(dockerClient(opts), nodeName, logger);
  const runtime = limitRuntime(baseRuntime, opts.engineConcurrency ?? 10);
  const recorder = new EventRecorder({ client, component: "kubelet", host: nodeName, logger });
  const images = new ImageManager(runtime, recorder, logger, () => clock.now());
  const status = new StatusManager(client, logger);
  const pods = new Map<string, Pod>();
  const lastKnown = new Map<string, Pod>();
  let stopped = false;

  let nodeServices: NodeServices | undefined;
  if (baseRuntime instanceof DockerRuntime) baseRuntime.sandboxDns = (ns) => nodeServices?.sandboxDns(ns);
  // A change to a Secret or ConfigMap a pod uses (its creation, for a pod waiting on it) syncs that pod.
  const referenced = new ReferencedObjects(client, (uids) => uids.forEach((uid) => workers.update(uid)), logger);
  const podNetwork =
    opts.podNetwork && baseRuntime instanceof DockerRuntime
      ? new PodNetwork({ client, docker: baseRuntime.docker, nodeName, nodeIP, clusterCidr: opts.podNetwork.clusterCidr, mode: opts.podNetwork.mode, logger })
      : undefined;
  if (podNetwork && baseRuntime instanceof DockerRuntime) baseRuntime.sandboxNetwork = () => podNetwork.sandboxNetwork();
  const objects: ObjectSource = {
    serviceEnv: (pod) => nodeServices?.serviceEnv(pod) ?? new Map(),
    configMap: (ns, name) => referenced.get<ConfigMap>("ConfigMap", ns, name),
    secret: (ns, name) => referenced.get<Secret>("Secret", ns, name),
    claim: (ns, name) => client.get<PersistentVolumeClaim>("PersistentVolumeClaim", name, ns).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e))),
    volume: (name) => client.get<PersistentVolume>("PersistentVolume", name).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e))),
  };

  const probes = new ProbeManager(clock, runProbe, (id, cmd, t) => runtime.exec(id, cmd, t), (ch) => {
    const kind = ch.kind === "liveness" ? "Liveness" : ch.kind === "readiness" ? "Readiness" : "Startup";
    if (!ch.result) recorder.event(ch.pod, "Warning", "Unhealthy", `${kind} probe failed: ${ch.message}`, `spec.containers{${ch.containerName}}`);
    workers.update(ch.pod.metadata.uid ?? "");
  });

  const workers: PodWorkers = new PodWorkers({
    clock,
    logger,
    sync: async (uid) => {
      await syncer.sync(uid);
      if (!pods.has(uid) && cache.forPod(uid).length === 0) {
        lastKnown.delete(uid);
        workers.remove(uid);
      }
    },
  });

  // ---- the engine: adopt what runs (the PLEG's first list), then follow events ----
  const pleg = new Pleg({
    runtime,
    logger,
    clock,
    relistSeconds: opts.relistSeconds,
    onPodChanged: (uid) => workers.update(uid),
    onRelist: () => {
      for (const uid of pods.keys()) workers.update(uid);
    },
  });
  const cache = pleg;
  const version = await runtime.version().catch((e: unknown) => {
    throw new Error(`cannot reach the container runtime: ${(e as Error).message}`);
  });
  // The container list, the node's DNS and service proxy, and the kubelet server do not depend
  // on each other: started together, the node registers (and is Ready) sooner. Registration waits
  // for the list (Ready means the runtime answered) and the server (its port is in the status),
  // not for DNS and the proxy, as a Kubernetes node's Ready does not wait for kube-proxy; they are
  // awaited before the first pod is taken.
  let kubeletServer: { port: number; close(): Promise<void> } | undefined;
  const servicesStarted = opts.services !== false ? startNodeServices({ client, logger, nodeName, nodeIP, ...(opts.services ?? {}), ...(opts.podNetwork ? { podNetworkCidr: opts.podNetwork.clusterCidr } : {}) }) : Promise.resolve(undefined);
  servicesStarted.catch(() => undefined); // awaited after registration
  // The pod network too: on a restart the Node already has its podCIDR, and the bridge and rules
  // are checked while the rest starts, so the node can be Ready at registration.
  const networkStarted = podNetwork?.start();
  networkStarted?.catch(() => undefined); // awaited after registration
  const [listed, server] = await Promise.allSettled([
    pleg.list().then(() => logger.info({ containers: cache.all().length, runtime: version.runtimeVersion, nodeIP }, "adopted existing containers")),
    startKubeletServer({
      runtime: baseRuntime,
      containers: () => pleg.listFresh(),
      nodeName,
      listen: `${nodeIP.includes(":") ? `[${nodeIP}]` : nodeIP}:${opts.kubeletServerPort ?? 0}`,
      logger,
      authToken: opts.kubeletServerToken,
      tls: opts.kubeletServerTls,
    }),
  ]);
  if (server.status === "fulfilled") kubeletServer = server.value;
  else logger.warn({ err: (server.reason as Error).message }, "kubelet server (logs/exec) did not start");
  /** Undo what started and rethrow: the kubelet did not start. */
  const failStart = async (reason: unknown): Promise<never> => {
    await kubeletServer?.close().catch(() => undefined);
    await servicesStarted.then((s) => s?.stop(), () => undefined).catch(() => undefined);
    await podNetwork?.stop().catch(() => undefined);
    throw reason;
  };
  if (listed.status === "rejected") await failStart(listed.reason);

  // ---- node registration ----
  const nodeReporter = new NodeStatusReporter(
    client,
    {
      nodeName,
      nodeIP,
      labels: opts.nodeLabels ?? {},
      annotations: { [LOCAL_PATH_DIR_ANNOTATION]: localPathDir(dataDir) },
      taints: opts.taints ?? [],
      capacity: opts.capacity ?? {},
      runtime: version,
      kubeletPort: kubeletServer?.port,
    },
    logger,
    () => pleg.runtimeUp(),
    podNetwork ? (old, now) => [podNetwork.condition(old, now)] : undefined,
    podNetwork ? () => podNetwork.notReadyReason() : undefined,
  );
  await nodeReporter.register().catch(failStart);
  if (podNetwork) {
    // From here each change of the network is reported at once; one before is in the heartbeat below.
    podNetwork.onChange = () => void nodeReporter.reportNow().catch((err: unknown) => logger.warn({ err: (err as Error).message }, "node status after a network change failed"));
    await networkStarted!.catch(failStart);
  }
  // DNS and the service proxy before the first pod: pods need both.
  nodeServices = await servicesStarted.catch(failStart);
  await nodeReporter.heartbeat().catch((err: unknown) => logger.warn({ err }, "first heartbeat failed"));
  // A fixed cadence: a slow beat (a loaded API server) does not push the next one later.
  const beatMs = (opts.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
  let beatTimer: Timer | undefined;
  const beat = (): void => {
    if (stopped) return;
    const started = clock.now();
    nodeReporter
      .heartbeat()
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, "heartbeat failed"))
      .finally(() => {
        if (!stopped) beatTimer = clock.setTimer(beat, Math.max(0, beatMs - (clock.now() - started)));
      });
  };
  beatTimer = clock.setTimer(beat, beatMs);

  // ---- desired state ----
  const informer = new Informer<Pod>(client, "Pod", { fieldSelector: `spec.nodeName=${nodeName}`, logger });
  informer.addEventHandler({
    onAdd: (p) => {
      const uid = p.metadata.uid ?? "";
      pods.set(uid, p);
      referenced.register(p);
      workers.update(uid);
    },
    onUpdate: (_old, p) => {
      const uid = p.metadata.uid ?? "";
      pods.set(uid, p);
      referenced.register(p);
      workers.update(uid);
    },
    onDelete: (p) => {
      const uid = p.metadata.uid ?? "";
      pods.delete(uid);
      referenced.unregister(uid);
      lastKnown.set(uid, p);
      workers.update(uid);
    },
  });

  const syncer = new PodSyncer({
    client,
    runtime,
    cache,
    images,
    probes,
    status,
    recorder,
    objects,
    clock,
    logger,
    nodeName,
    nodeIP,
    dataDir,
    memoryDir: opts.memoryDir ?? defaultMemoryDir(dataDir, nodeName),
    backoffConfig,
    extraLabels: opts.containerLabels,
    withoutSandbox: (opts.podSandbox ?? (podNetwork ? "when-needed" : "always")) === "when-needed",
    podFor: (uid) => pods.get(uid),
    lastKnown: (uid) => lastKnown.get(uid),
    requeueAfter: (uid, ms) => workers.updateAfter(uid, ms),
    setWorkState: (uid, state) => workers.setState(uid, state),
  });

  informer.start();
  await informer.waitForSync();
  const localPath = startLocalPathCleanup(client, nodeName, localPathDir(dataDir), logger);
  pleg.start();
  // Orphans are judged only after the first list of pods: start the workers now.
  for (const uid of cache.podUids()) workers.update(uid);
  workers.start();
  const initialSync = workers.synced(new Set([...pods.keys(), ...cache.podUids()]));
  const metricsPeriod = opts.metricsPeriodSeconds ?? 15;
  const metrics =
    metricsPeriod > 0
      ? new MetricsSampler({
          client,
          nodeName,
          logger: logger.child({ subsystem: "metrics" }),
          clock,
          periodSeconds: metricsPeriod,
          containers: () => cache.all(),
          stats: (id, oneShot, signal) => runtime.stats(id, oneShot, signal) as Promise<EngineStats>,
        })
      : undefined;
  metrics?.start();
  const imageGcPeriod = opts.imageGcPeriodSeconds ?? 300;
  const imageGc =
    imageGcPeriod > 0
      ? new ImageGC({ runtime, containers: () => pleg.all(), policy: { highPercent: gcHigh, lowPercent: gcLow }, clock, logger: logger.child({ subsystem: "image-gc" }), periodSeconds: imageGcPeriod })
      : undefined;
  imageGc?.start();
  logger.info({ pods: pods.size }, "kubelet started");

  return {
    initialSync,
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      beatTimer?.cancel();
      pleg.stop();
      imageGc?.stop();
      await metrics?.stop();
      await informer.stop();
      await referenced.stop();
      await localPath.stop();
      await workers.shutdown();
      probes.stop();
      await kubeletServer?.close().catch(() => undefined);
      await nodeServices?.stop().catch(() => undefined);
      await podNetwork?.stop().catch(() => undefined);
      if (stopOpts.removeContainers) {
        const all = await runtime.listContainers().catch(() => []);
        await Promise.all(all.filter((c) => c.role === "container").map((c) => runtime.removeContainer(c.id).catch(() => undefined)));
        await Promise.all(all.filter((c) => c.role === "sandbox").map((c) => runtime.removeContainer(c.id).catch(() => undefined)));
      }
      logger.info("kubelet stopped");
    },
  };
}
