/**
 * `kctl agent`: run the node agent (kubelet) for a Docker engine against an API server until
 * SIGINT/SIGTERM. Stopping leaves the containers running; a restarted agent adopts them.
 *
 *   kctl agent --server https://HOST:6443[,https://HOST2:6443,...] --token K10<CA hash>::<id>.<secret> [--node-name N] [--node-ip IP]
 *              [--docker-host unix:///var/run/docker.sock] [--node-labels k=v,...]
 *              [--register-with-taints k=v:NoSchedule] [--data-dir DIR]
 *              [--restart-backoff-base 1s] [--restart-backoff-cap 60s]
 */
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Taint } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { boundHeapGrowth, componentLogger, untilSignal, withLogFlags, type LogFlags } from "../component-process.js";
import { parseKeyValues, parsePodSandbox, POD_SANDBOX_HELP, repeatableList } from "../flags.js";

interface AgentFlags extends LogFlags {
  nodeName?: string;
  nodeIp?: string;
  dockerHost?: string;
  nodeLabels?: string;
  registerWithTaints?: string;
  dataDir?: string;
  restartBackoffBase?: string;
  restartBackoffCap?: string;
  heartbeat?: string;
  relist?: string;
  kubeletPort?: string;
  cpu?: string;
  memory?: string;
  maxPods?: string;
  serviceCidr: string;
  clusterCidr: string;
  podNetwork: string;
  podSandbox?: string;
  cleanup?: boolean;
  imageGcHighThreshold?: string;
  imageGcLowThreshold?: string;
}

/** A percentage flag (0-100), or undefined when not given. */
function percent(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 100) throw new UserError(`${flag}: "${text}" is not a whole percentage (0-100)`);
  return n;
}

/** `k=v,k2=v2` to a map. */
function parseLabels(text: string | undefined): Record<string, string> {
  return parseKeyValues(repeatableList(text ?? ""), "--node-labels");
}

/** `key=value:Effect,key:Effect` to taints. */
function parseTaints(text: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const part of (text ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new UserError(`--register-with-taints: "${part}" is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    out.push({ key: m[1]!, ...(m[2] !== undefined ? { value: m[2] } : {}), effect: m[3] as Taint["effect"] });
  }
  return out;
}

async function run(ctx: CliContext, flags: AgentFlags): Promise<void> {
  const { parseDuration } = await import("../../lib/duration.js");
  const dur = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    try {
      return parseDuration(v, name);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  };
  // Bad flags are refused before anything happens (no join, no node registered).
  const gcHigh = percent(flags.imageGcHighThreshold, "--image-gc-high-threshold");
  const gcLow = percent(flags.imageGcLowThreshold, "--image-gc-low-threshold");
  if ((gcHigh ?? 85) <= (gcLow ?? 80)) {
    throw new UserError(`--image-gc-low-threshold (${gcLow ?? 80}) must be below --image-gc-high-threshold (${gcHigh ?? 85})`);
  }
  const nodeName = (flags.nodeName ?? os.hostname()).toLowerCase();
  const podNetwork = await podNetworkFlags(flags);
  const podSandbox = parsePodSandbox(flags.podSandbox);
  if (flags.cleanup) return cleanup(ctx, flags, nodeName);
  boundHeapGrowth();
  const logger = await componentLogger(ctx, "kubelet", flags);
  const dataDir = flags.dataDir ?? path.join(os.homedir(), ".kctl", "kubelet", nodeName);
  const { startKubelet } = await import("../../kubelet/index.js");
  const { hostIPv4 } = await import("../../lib/address.js");
  const nodeIP = flags.nodeIp ?? hostIPv4();
  const { checkDataDir, checkDockerEngine } = await import("../first-run/preflight.js");
  await checkDockerEngine(flags.dockerHost, false);
  checkDataDir(dataDir);
  const identity = await nodeIdentity(ctx, nodeName, nodeIP, dataDir, logger);
  const client = identity.client;
  const heartbeat = dur(flags.heartbeat, "--heartbeat");
  const relist = dur(flags.relist, "--relist-period");
  const kubelet = await startKubelet({
    client,
    logger,
    nodeName,
    nodeIP,
    dockerHost: flags.dockerHost,
    nodeLabels: parseLabels(flags.nodeLabels),
    taints: parseTaints(flags.registerWithTaints),
    dataDir,
    backoffBaseMs: dur(flags.restartBackoffBase, "--restart-backoff-base"),
    backoffCapMs: dur(flags.restartBackoffCap, "--restart-backoff-cap"),
    heartbeatSeconds: heartbeat === undefined ? undefined : heartbeat / 1000,
    relistSeconds: relist === undefined ? undefined : relist / 1000,
    kubeletServerPort: flags.kubeletPort === undefined ? undefined : Number(flags.kubeletPort),
    kubeletServerToken: identity.kubeletServerToken,
    kubeletServerTls: identity.kubeletServerTls,
    capacity: { cpu: flags.cpu, memory: flags.memory, pods: flags.maxPods === undefined ? undefined : Number(flags.maxPods) },
    services: { serviceCidr: flags.serviceCidr },
    podNetwork,
    podSandbox,
    imageGcHighPercent: gcHigh,
    imageGcLowPercent: gcLow,
  });
  const others = client.servers.filter((s) => s !== client.server);
  ctx.err.write(`agent ${nodeName} running against ${client.server}${others.length ? ` (fails over to ${others.join(", ")})` : ""} (Ctrl-C to stop; containers keep running)\n`);
  await untilSignal();
  await kubelet.stop();
  ctx.err.write(`agent ${nodeName} stopped\n`);
}

/** `--pod-network` and `--cluster-cidr`, checked before anything starts. */
async function podNetworkFlags(flags: AgentFlags): Promise<{ clusterCidr: string; mode: "auto" | "host-gw" | "vxlan" } | undefined> {
  const modes = ["auto", "host-gw", "vxlan", "none"];
  if (!modes.includes(flags.podNetwork)) throw new UserError(`--pod-network must be one of ${modes.join(", ")}, got "${flags.podNetwork}"`);
  const { parseCidr } = await import("../../lib/ipv4.js");
  try {
    parseCidr(flags.clusterCidr);
  } catch (e) {
    throw new UserError(`--cluster-cidr: ${(e as Error).message}`);
  }
  return flags.podNetwork === "none" ? undefined : { clusterCidr: flags.clusterCidr, mode: flags.podNetwork as "auto" | "host-gw" | "vxlan" };
}

/** `--cleanup`: remove this node's containers and everything the pod network put on the host, then exit. */
async function cleanup(ctx: CliContext, flags: AgentFlags, nodeName: string): Promise<void> {
  const { dockerClient } = await import("../../kubelet/runtime/docker-runtime.js");
  const { cleanupPodNetwork } = await import("../../kubelet/network/cleanup.js");
  const r = await cleanupPodNetwork(dockerClient({ dockerHost: flags.dockerHost }), nodeName);
  ctx.out.write(`agent ${nodeName} cleaned up: ${r.containers} containers, networks [${r.networks.join(", ")}], ${r.rules} iptables rules, kctl routes and the VXLAN device removed\n`);
}

interface NodeIdentity {
  client: import("../../lib/client.js").ApiClient;
  kubeletServerToken?: string;
  kubeletServerTls?: { certPem: string; keyPem: string; caPem: string };
}

/**
 * With a join token (K10...): join, or reuse this node's stored credential (lib/node-join.ts),
 * and serve logs/exec over mutual TLS. With any other token (an existing credential from a
 * kubeconfig or --token): use it as it is, and the kubelet server stays plain HTTP behind it.
 */
async function nodeIdentity(ctx: CliContext, nodeName: string, nodeIP: string, dataDir: string, logger: import("pino").Logger): Promise<NodeIdentity> {
  const { parseJoinToken } = await import("../../lib/join-token.js");
  const g = ctx.globals();
  const join = g.token ? parseJoinToken(g.token) : undefined;
  if (!join) return { client: await ctx.client(), kubeletServerToken: g.token };
  if (!g.server) throw new UserError("a join token needs --server https://HOST:6443");
  const { ensureNodeCredential, JoinError } = await import("../../lib/node-join.js");
  const { ApiClient, serverList } = await import("../../lib/client.js");
  // --server URL1,URL2,URL3: the API servers of one HA cluster. Join through the first that
  // answers; the client then sticks to one and moves to the next when it stops answering.
  const servers = serverList({ server: g.server });
  if (!join.caHash) logger.warn("the join token has no CA hash (short form): the server's CA is trusted on first use");
  let lastUnreachable: string | undefined;
  for (const [i, server] of servers.entries()) {
    try {
      const cred = await ensureNodeCredential({
        server,
        knownServers: servers,
        token: join,
        nodeName,
        addresses: [nodeIP],
        dir: dataDir,
        onEvent: (what, detail) => logger.info({ node: nodeName, server, detail }, what === "reused" ? "using the stored node credential" : "joined the cluster: node credential stored"),
      });
      // The server that answered goes first; the others follow in the given order.
      const client = new ApiClient({ server, servers: [...servers.slice(i + 1), ...servers.slice(0, i)], token: cred.token, ca: cred.caPem, userAgent: "kctl-agent" });
      client.onFailover = (from, to, reason) => logger.warn({ from, to, reason }, "API server not answering: using the next one");
      return { client, kubeletServerTls: { certPem: cred.certPem, keyPem: cred.keyPem, caPem: cred.caPem } };
    } catch (e) {
      if (!(e instanceof JoinError)) throw e;
      // Unreachable: try the next server. Anything else (wrong CA, refused token) is final.
      if (!e.unreachable || i === servers.length - 1) throw new UserError(e.unreachable && lastUnreachable ? `${e.message} (and ${lastUnreachable})` : e.message);
      lastUnreachable = server;
      logger.warn({ server, reason: e.message }, "API server not reachable: trying the next one");
    }
  }
  throw new UserError("no API server given in --server");
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    withLogFlags(program.command("agent"))
      .description("Run the node agent (kubelet) for a Docker engine against the API server (--server, --token) until Ctrl-C")
      .option("--node-name <name>", "the Node's name (default: the host name)")
      .option("--node-ip <ip>", "the node's address; published ports bind here (default: first non-internal IPv4)")
      .option("--docker-host <url>", "the engine: unix:///var/run/docker.sock or tcp://host:2375 (default: $DOCKER_HOST or the local socket)")
      .option("--node-labels <k=v,...>", "labels to add to the Node")
      .option("--register-with-taints <k=v:Effect,...>", "taints to register the Node with")
      .option("--data-dir <dir>", "where pod volumes live (default ~/.kctl/kubelet/<node>)")
      .option("--restart-backoff-base <duration>", "first crash-loop back-off, doubling up to the cap (default 1s)")
      .option("--restart-backoff-cap <duration>", "longest crash-loop back-off (default 60s)")
      .option("--heartbeat <duration>", "node Lease renewal period (default 3s); the Node's status is checked every 10s and written when it changed")
      .option("--relist-period <duration>", "full container relist period, the safety net behind Docker events (default 10s)", undefined)
      .option("--kubelet-port <port>", "port of the logs/exec server (default: ephemeral)")
      .option("--cpu <quantity>", "override the reported CPU capacity")
      .option("--memory <quantity>", "override the reported memory capacity")
      .option("--max-pods <n>", "pods capacity (default 110)")
      .option("--image-gc-high-threshold <percent>", "disk use of the images' filesystem above which unused images are removed (default 85)")
      .option("--image-gc-low-threshold <percent>", "disk use image garbage collection brings it down to (default 80)")
      .option("--service-cidr <cidr>", "the cluster's Service IP range (as given to kctl server)", "10.96.0.0/12")
      .option("--cluster-cidr <cidr>", "the cluster's pod range (as given to kctl server): not masqueraded between pods", "10.244.0.0/16")
      .option("--pod-network <mode>", "routes to other hosts' pods: auto (host-gw when on-link, else VXLAN), host-gw, vxlan, none (engine's default bridge, no pod network)", "auto")
      .option("--pod-sandbox <when>", POD_SANDBOX_HELP)
      .option("--cleanup", "remove this node's containers, pod bridge, kctl routes, VXLAN device and iptables rules, then exit")
      .action(guarded((flags: AgentFlags & { relistPeriod?: string }) => run(ctx, { ...flags, relist: flags.relistPeriod })));
  },
};
