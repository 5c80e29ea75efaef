/**
 * `kctl server`: one process running the API server, the controllers, the scheduler and (unless
 * --no-kubelet) a kubelet for the local Docker engine. Each component still talks to the API
 * through its own client, exactly as when it runs alone; this file only composes them. The one
 * thing they share is the informer factory (lib/), so each kind is cached once per process.
 */
import type { Command } from "commander";
import type { CliContext, CommandModule } from "../command.js";
import { hostIPv4, isLoopback, isWildcard, parseListen } from "../../lib/address.js";
import { guarded, UserError } from "../errors-output.js";
import { parsePodSandbox, POD_SANDBOX_HELP, repeatableList } from "../flags.js";
import { withLogFlags, type LogFlags } from "../component-process.js";

interface ServerFlags extends LogFlags {
  dataDir?: string;
  listen: string;
  kubelet: boolean;
  nodeName?: string;
  nodeIp?: string;
  nodeMonitorGracePeriod: string;
  podEvictionTimeout: string;
  restartBackoffBase?: string;
  restartBackoffCap?: string;
  tlsSan: string[];
  insecureHttp?: boolean;
  rotateCerts?: boolean;
  serviceCidr: string;
  clusterCidr: string;
  podSandbox?: string;
  nodeCidrMaskSize: string;
  compactionKeepRevisions: string;
  compactionKeepMinutes: string;
  datastoreEndpoint?: string;
  datastoreCafile?: string;
  datastoreCertfile?: string;
  datastoreKeyfile?: string;
  datastorePrefix: string;
  leaderElect?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  join?: string;
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext): void {
    withLogFlags(program.command("server"))
      .description("run a single-node cluster: API server (SQLite, or etcd with --datastore-endpoint), controllers, scheduler and a kubelet for the local Docker engine")
      .option("--data-dir <dir>", "where the SQLite store, tokens and kubeconfig live (default: $KCTL_DATA_DIR or ~/.kctl/server)")
      .option("--listen <host:port>", "address the API server listens on (0.0.0.0:6443 for a multi-node lab)", "127.0.0.1:6443")
      .option("--no-kubelet", "do not run a kubelet (node agent) in this process")
      .option("--node-name <name>", "name of the local node (default: the host name)")
      .option("--node-ip <ip>", "address of the local node (default: the first non-loopback IPv4)")
      .option("--node-monitor-grace-period <duration>", "a node silent this long becomes NotReady", "15s")
      .option("--pod-eviction-timeout <duration>", "pods of a NotReady node are evicted after this long", "5s")
      .option("--restart-backoff-base <duration>", "first crash-loop back-off of the local kubelet (doubles up to the cap)")
      .option("--restart-backoff-cap <duration>", "longest crash-loop back-off of the local kubelet")
      .option("--tls-san <name>", "extra DNS name or IP for the serving certificate (repeatable)", repeatableList, [])
      .option("--insecure-http", "serve plain HTTP instead of HTTPS (tokens cross the network in clear text)")
      .option("--rotate-certs", "re-issue the API server's certificates before starting (the cluster CA is kept)")
      .option("--service-cidr <cidr>", "range Service cluster IPs are allocated from (agents must use the same)", "10.96.0.0/12")
      .option("--cluster-cidr <cidr>", "pod address range; every node gets a /--node-cidr-mask-size slice of it in spec.podCIDR", "10.244.0.0/16")
      .option("--pod-sandbox <when>", `the local kubelet's pods: ${POD_SANDBOX_HELP}`)
      .option("--node-cidr-mask-size <bits>", "prefix length of each node's pod range", "24")
      .option("--compaction-keep-revisions <n>", "the revision log keeps at least this many newest revisions", "10000")
      .option("--compaction-keep-minutes <n>", "... and every revision younger than this", "5")
      .option("--datastore-endpoint <urls>", "keep objects in etcd instead of SQLite: http(s)://HOST:2379[,...] (several API servers may share one etcd)")
      .option("--datastore-cafile <file>", "CA bundle that signed etcd's certificate (https endpoints)")
      .option("--datastore-certfile <file>", "client certificate for etcd")
      .option("--datastore-keyfile <file>", "client key for etcd")
      .option("--datastore-prefix <prefix>", "etcd key prefix of this cluster", "/kctl")
      .option("--join <url>", "join the cluster of the server at this https:// URL (with --token, its server token, and --datastore-endpoint, its etcd): fetch its CA and keys over TLS checked against the token's CA hash")
      .option("--leader-elect <bool>", "run the controllers and the scheduler only while holding their Leases in kube-system (default: true with --datastore-endpoint)")
      .option("--leader-elect-lease-duration <duration>", "how long a leader that stopped renewing keeps the others out", "15s")
      .option("--leader-elect-renew-deadline <duration>", "a leader that could not renew for this long stops leading", "10s")
      .option("--leader-elect-retry-period <duration>", "between tries to acquire or renew a Lease", "2s")
      .action(guarded(async (flags: ServerFlags) => runServer(flags, ctx)));
  },
};

/** Pooled connections per in-process component client (watches have their own). */
const IN_PROCESS_MAX_SOCKETS = 32;

async function runServer(flags: ServerFlags, ctx: CliContext): Promise<void> {
  const os = await import("node:os");
  const path = await import("node:path");
  const fs = await import("node:fs");
  const { parseDuration } = await import("../../lib/duration.js");
  const { componentLogger } = await import("../../lib/logger.js");
  const listenHost = parseListen(flags.listen).host; // a bad --listen fails before anything starts
  const { boundHeapGrowth, rootLogger, untilSignal } = await import("../component-process.js");
  // Started now, awaited where they are needed: the engine's answer and the kubelet's modules
  // load while the API server's modules compile and its store opens, instead of after.
  const preflight = import("../first-run/preflight.js");
  const engineChecked = flags.kubelet ? preflight.then((p) => p.checkDockerEngine(undefined, true)) : Promise.resolve();
  const kubeletModule = flags.kubelet ? import("../../kubelet/index.js") : undefined;
  for (const early of [engineChecked, kubeletModule]) early?.catch(() => undefined); // awaited below
  const { ApiClient } = await import("../../lib/client.js");
  const { SharedInformers } = await import("../../lib/shared-informers.js");
  const { startApiServer } = await import("../../apiserver/index.js");
  const { startControllerManager } = await import("../../controllers/index.js");
  const { startScheduler } = await import("../../scheduler/index.js");

  const dataDir = path.resolve(flags.dataDir ?? process.env.KCTL_DATA_DIR ?? path.join(os.homedir(), ".kctl", "server"));
  const graceSeconds = parseDuration(flags.nodeMonitorGracePeriod, "--node-monitor-grace-period") / 1000;
  const evictionSeconds = parseDuration(flags.podEvictionTimeout, "--pod-eviction-timeout") / 1000;
  const backoffBaseMs = flags.restartBackoffBase ? parseDuration(flags.restartBackoffBase, "--restart-backoff-base") : undefined;
  const backoffCapMs = flags.restartBackoffCap ? parseDuration(flags.restartBackoffCap, "--restart-backoff-cap") : undefined;
  const podSandbox = parsePodSandbox(flags.podSandbox);

  const root = await rootLogger(ctx, flags);
  // First-run problems are one line and a hint each, before anything starts.
  const { checkDataDir, explainListenError } = await preflight;
  await engineChecked;
  checkDataDir(dataDir);
  const nodeCidrMaskSize = positiveInt(flags.nodeCidrMaskSize, "--node-cidr-mask-size");
  const { clusterCidrConflict, hostNetworks } = await import("../../controllers/nodeipam/host-networks.js");
  // A cluster CIDR over the service range or a network of this host is refused before anything starts.
  const conflict = clusterCidrConflict(flags.clusterCidr, flags.serviceCidr, hostNetworks());
  if (conflict) throw new UserError(`${conflict}: choose another --cluster-cidr`);

  const datastore = datastoreOf(flags);
  const election = electionOf(flags, datastore !== undefined, parseDuration);
  if (flags.join) await joinCluster(flags.join, ctx.globals().token, datastore !== undefined, dataDir, root);
  else if (ctx.globals().token) throw new UserError("--token goes with --join (a server token from the first server)");
  const api = await startApiServer({
    dataDir,
    listen: flags.listen,
    logger: componentLogger(root, "apiserver"),
    tlsSans: flags.tlsSan,
    insecureHttp: flags.insecureHttp,
    rotateCerts: flags.rotateCerts,
    serviceCidr: flags.serviceCidr,
    compaction: {
      keepRevisions: positiveInt(flags.compactionKeepRevisions, "--compaction-keep-revisions"),
      keepMinutes: positiveInt(flags.compactionKeepMinutes, "--compaction-keep-minutes"),
    },
    ...(datastore ? { datastore } : {}),
  }).catch((e: unknown) => {
    throw explainListenError(e, flags.listen);
  });
  const stops: (() => Promise<void>)[] = [() => api.close()];
  try {
    // Every component gets its own client, as it would when running as a separate process.
    // Connections are capped: both ends of each live in this process, and a burst (a scale-up's
    // creates, the scheduler's binds) would otherwise leave hundreds of idle TLS sockets behind.
    const clientFor = (component: string) =>
      new ApiClient({ server: api.url, token: api.adminToken, ca: api.caPem, userAgent: `kctl-${component}`, maxSockets: IN_PROCESS_MAX_SOCKETS });
    // One informer per kind for the controllers and the scheduler, as kube-controller-manager
    // shares one factory among its controllers: every pod is listed, watched and cached once
    // per process instead of once per component. Stopped after both (stops run in order).
    const informers = new SharedInformers(clientFor("informers"), componentLogger(root, "informers"));
    stops.unshift(() => informers.stop());
    const startControllers = async (): Promise<() => Promise<void>> => {
      const controllers = await startControllerManager({
        client: clientFor("controller-manager"),
        logger: componentLogger(root, "controller-manager"),
        nodeMonitorGracePeriodSeconds: graceSeconds,
        podEvictionTimeoutSeconds: evictionSeconds,
        informers,
        clusterCidr: flags.clusterCidr,
        nodeCidrMaskSize,
        serviceCidr: flags.serviceCidr,
      });
      return () => controllers.stop();
    };
    const startSched = async (): Promise<() => Promise<void>> => {
      const scheduler = await startScheduler({ client: clientFor("scheduler"), logger: componentLogger(root, "scheduler"), informers });
      return () => scheduler.stop();
    };
    /** The controller manager and the scheduler (or the elections for them); their stops, last started first. */
    const startControlLoops = async (): Promise<(() => Promise<void>)[]> => {
      if (!election) return [await startControllers(), await startSched()].reverse();
      // Several servers on one etcd: each competes for the two Leases; only holders run them.
      const { startLeaderElection } = await import("../../lib/leader-election.js");
      const { randomUUID } = await import("node:crypto");
      const identity = `${os.hostname().toLowerCase()}_${randomUUID()}`;
      const leStops: (() => Promise<void>)[] = [];
      for (const [name, start, component] of [["kube-controller-manager", startControllers, "controller-manager"], ["kube-scheduler", startSched, "scheduler"]] as const) {
        const le = startLeaderElection({ client: clientFor(`${component}-election`), name, identity, ...election, logger: componentLogger(root, component), onStartedLeading: start });
        leStops.unshift(() => le.stop());
      }
      return leStops;
    };
    const startLocalKubelet = async (): Promise<(() => Promise<void>)[]> => {
      if (!flags.kubelet) return [];
      const nodeName = flags.nodeName ?? os.hostname().toLowerCase();
      const nodeIP = flags.nodeIp ?? localNodeIP(listenHost);
      // The local kubelet is a node like any other: its own credential and kubelet certificate,
      // issued in process (no join token needed), so the node rules apply to it too.
      const [{ startKubelet }, cred] = await Promise.all([kubeletModule!, api.nodeCredential(nodeName, [nodeIP])]);
      const kubelet = await startKubelet({
        client: new ApiClient({ server: api.url, token: cred.token, ca: api.caPem, userAgent: "kctl-kubelet" }),
        logger: componentLogger(root, "kubelet"),
        nodeName,
        nodeIP,
        dataDir: path.join(dataDir, "kubelet"),
        backoffBaseMs,
        backoffCapMs,
        kubeletServerTls: { certPem: cred.certPem, keyPem: cred.keyPem, caPem: cred.caPem },
        services: { serviceCidr: flags.serviceCidr },
        podNetwork: { clusterCidr: flags.clusterCidr, mode: "auto" },
        podSandbox,
      });
      return [() => kubelet.stop()];
    };
    // The kubelet starts beside the control loops, not after them: they only meet through the
    // API (as separate processes would), and the node is Ready sooner by the loops' start-up.
    const started = await Promise.allSettled([startControlLoops(), startLocalKubelet()]);
    for (const r of started) if (r.status === "fulfilled") stops.unshift(...r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } catch (e) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw e;
  }

  // Bounded only now: start-up grows the heap from nothing to ~20 MB, and at 1.5x per step V8 ran
  // two full GCs on the way (~60 ms of the main thread before the node was Ready); what the bound
  // is for, a large cluster's steady heap, comes later.
  boundHeapGrowth();
  // On etcd, a kubeconfig of another server of this cluster (same CA) is this cluster's too.
  const sameCluster = datastore && api.caPem ? Buffer.from(api.caPem).toString("base64") : undefined;
  const kubeconfigNote = installDefaultKubeconfig(fs, path, api.kubeconfigPath, api.url, ctx.kubeconfigPath(), sameCluster);
  const joinUrl = joinServerUrl(api.url, listenHost);
  const { startSummary, EXAMPLE_IMAGE } = await import("../first-run/start-summary.js");
  const { imagePresent } = await import("../first-run/preflight.js");
  ctx.out.write(
    startSummary({
      apiUrl: api.url,
      dataDir,
      kubeconfigPath: api.kubeconfigPath,
      kubeconfigNote,
      // The user's `kctl` finds the kubeconfig by itself unless it was left alone or named by a flag.
      clientKubeconfig: kubeconfigNote.includes("left as it is") ? api.kubeconfigPath : ctx.globals().kubeconfig,
      joinCommand: api.caPem ? `kctl agent --server ${joinUrl} --token ${api.nodeToken}` : undefined,
      kubelet: flags.kubelet,
      imagesMissing: flags.kubelet && !(await imagePresent(EXAMPLE_IMAGE)),
    }),
  );

  if (api.serverToken && datastore) {
    ctx.out.write(`join another server: kctl server --join ${joinUrl} --token ${api.serverToken} --datastore-endpoint ${datastore.endpoints.join(",")}${datastore.prefix !== "/kctl" ? ` --datastore-prefix ${datastore.prefix}` : ""}\n`);
  }

  await untilSignal();
  ctx.err.write("kctl server: shutting down\n");
  for (const stop of stops) await stop().catch((e: unknown) => root.error({ err: e }, "stop failed"));
  root.flush();
}

/**
 * Make `kctl get pods` work at once: copy the admin kubeconfig to the default path when none is
 * there, or when the one there points at this same server (a restart refreshes it) or, on etcd,
 * carries this cluster's CA (another server of the cluster wrote it). Never
 * overwrite a kubeconfig for another cluster.
 */
function installDefaultKubeconfig(
  fs: typeof import("node:fs"),
  path: typeof import("node:path"),
  adminPath: string,
  url: string,
  defaultPath: string,
  clusterCaData?: string,
): string {
  if (path.resolve(defaultPath) === path.resolve(adminPath)) return "";
  let existing: string | undefined;
  try {
    existing = fs.readFileSync(defaultPath, "utf8");
  } catch {
    existing = undefined;
  }
  const ours = existing !== undefined && (existing.includes(`server: ${url}`) || (clusterCaData !== undefined && existing.includes(clusterCaData)));
  if (existing !== undefined && !ours) {
    return ` (${defaultPath} is left as it is: it points at another cluster; use --kubeconfig ${adminPath})`;
  }
  fs.mkdirSync(path.dirname(defaultPath), { recursive: true });
  fs.copyFileSync(adminPath, defaultPath);
  fs.chmodSync(defaultPath, 0o600);
  return ` (copied to ${defaultPath})`;
}

/** The URL other machines should use: the listen address, or this host's address when listening on all. */
function joinServerUrl(url: string, listenHost: string): string {
  if (!isWildcard(listenHost)) return url;
  const u = new URL(url);
  u.hostname = hostIPv4();
  return u.toString().replace(/\/$/, "");
}

/**
 * A cluster whose API listens only on loopback is a one-machine cluster: its node publishes pod
 * ports on 127.0.0.1 so they are reachable from this machine and from nowhere else. Otherwise the
 * node uses this host's address.
 */
function localNodeIP(listenHost: string): string {
  return isLoopback(listenHost) ? "127.0.0.1" : hostIPv4();
}

/**
 * `--join URL --token T`: fetch the cluster's CA and keys from a running server (lib/server-join.ts)
 * and put them in this server's data dir before it starts. Every failure is one line.
 */
async function joinCluster(url: string, token: string | undefined, onEtcd: boolean, dataDir: string, logger: import("pino").Logger): Promise<void> {
  if (!onEtcd) throw new UserError("--join needs --datastore-endpoint: a joined server keeps its objects in the first server's etcd");
  if (!token) throw new UserError("--join needs --token: the first server's server token (its data dir's server-token file, or kctl token create --kind server)");
  const { fetchClusterKeys } = await import("../../lib/server-join.js");
  const { JoinError } = await import("../../lib/node-join.js");
  const { installClusterKeys, joinedAlready } = await import("../../apiserver/index.js");
  const { parseJoinToken } = await import("../../lib/join-token.js");
  try {
    // A restart of a joined server needs nothing from the first one (which may be down).
    const pinned = parseJoinToken(token)?.caHash;
    if (pinned && joinedAlready(dataDir, pinned)) {
      logger.info({ dataDir }, "joined before: the data dir has the cluster's CA and keys; not asking " + url);
      return;
    }
    const keys = await fetchClusterKeys(url, token);
    const what = installClusterKeys(dataDir, keys);
    logger.info({ from: url, dataDir, servers: keys.servers }, what === "installed" ? "joined: the cluster's CA and keys are in the data dir" : "joined before: the data dir has the cluster's CA");
  } catch (e) {
    if (e instanceof JoinError) throw new UserError(`cannot join ${url}: ${e.message}`);
    if (e instanceof Error && /already belongs to another cluster/.test(e.message)) throw new UserError(e.message);
    throw e;
  }
}

/** Leader election settings (`--leader-elect*`), or undefined when it is off. */
function electionOf(flags: ServerFlags, onEtcd: boolean, parseDuration: (v: string, flag: string) => number): { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number } | undefined {
  const v = flags.leaderElect;
  if (v !== undefined && v !== "true" && v !== "false") throw new UserError(`--leader-elect must be true or false, got "${v}"`);
  if (!(v === "true" || (v === undefined && onEtcd))) return undefined;
  const t = {
    leaseDurationMs: parseDuration(flags.leaderElectLeaseDuration, "--leader-elect-lease-duration"),
    renewDeadlineMs: parseDuration(flags.leaderElectRenewDeadline, "--leader-elect-renew-deadline"),
    retryPeriodMs: parseDuration(flags.leaderElectRetryPeriod, "--leader-elect-retry-period"),
  };
  if (!(t.retryPeriodMs > 0 && t.renewDeadlineMs > t.retryPeriodMs && t.leaseDurationMs > t.renewDeadlineMs)) {
    throw new UserError("leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > --leader-elect-retry-period > 0");
  }
  return t;
}

/** The etcd to use (`--datastore-*`), checked before anything starts; undefined = SQLite. */
function datastoreOf(flags: ServerFlags): { endpoints: string[]; caFile?: string; certFile?: string; keyFile?: string; prefix: string } | undefined {
  if (!flags.datastoreEndpoint) {
    if (flags.datastoreCafile || flags.datastoreCertfile || flags.datastoreKeyfile) throw new UserError("--datastore-cafile/--datastore-certfile/--datastore-keyfile need --datastore-endpoint");
    return undefined;
  }
  const endpoints = flags.datastoreEndpoint.split(",").map((e) => e.trim()).filter((e) => e !== "");
  for (const e of endpoints) {
    let u: URL | undefined;
    try {
      u = new URL(e);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== "http:" && u.protocol !== "https:") || !u.port || (u.pathname !== "/" && u.pathname !== "")) {
      throw new UserError(`--datastore-endpoint: "${e}" is not an etcd client URL like http://127.0.0.1:2379`);
    }
  }
  if (endpoints.length === 0) throw new UserError("--datastore-endpoint: no endpoint given (http://HOST:2379[,...])");
  if (!flags.datastorePrefix.startsWith("/")) throw new UserError(`--datastore-prefix must start with "/", got "${flags.datastorePrefix}"`);
  return {
    endpoints: endpoints.map((e) => e.replace(/\/$/, "")),
    prefix: flags.datastorePrefix,
    ...(flags.datastoreCafile ? { caFile: flags.datastoreCafile } : {}),
    ...(flags.datastoreCertfile ? { certFile: flags.datastoreCertfile } : {}),
    ...(flags.datastoreKeyfile ? { keyFile: flags.datastoreKeyfile } : {}),
  };
}

/** A whole number >= 0 from a flag, or a one-line error naming the flag. */
function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag} must be a whole number >= 0, got "${v}"`);
  return n;
}
