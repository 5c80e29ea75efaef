/**
 * `kctl top node [NAME] [-l SEL]` and `kctl top pod [NAME] [-A] [-l SEL] [--containers]`: CPU and
 * memory usage from metrics.k8s.io, as `kubectl top` prints it (cli/printers/top.ts).
 *
 *   discovery has metrics.k8s.io? ─no─► "Metrics API not available"
 *   node: NodeMetrics (one or list) ─empty─► "metrics not available yet"; + Nodes for allocatable
 *   pod:  PodMetrics (one or list)  ─empty─► pods there? none: "No resources found ...";
 *         an old one: "Metrics not available for pod NS/NAME, age: ..."; else "metrics not available yet"
 */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { goDuration, METRICS_API_VERSION, METRICS_GROUP, type NodeMetrics, type PodMetrics } from "../../lib/metrics.js";
import type { KList, Node, Pod, ResourceList } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { formatTable } from "../printers/table.js";
import { NODE_COLUMNS, nodeRows, podHeader, podRows } from "../printers/top.js";

/** kubectl waits this long after a pod's creation before calling missing metrics an error. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;
const BASE = `/apis/${METRICS_API_VERSION}`;

interface NodeFlags {
  selector?: string;
  headers: boolean;
}
interface PodFlags extends NodeFlags {
  allNamespaces?: boolean;
  containers?: boolean;
}

async function requireMetricsApi(client: ApiClient): Promise<void> {
  const groups = await client.request<{ groups?: { name: string }[] }>("GET", "/apis");
  if (!(groups.groups ?? []).some((g) => g.name === METRICS_GROUP)) throw new UserError("Metrics API not available");
}

async function topNode(ctx: CliContext, name: string | undefined, o: NodeFlags): Promise<void> {
  if (name && o.selector) throw new UserError("only one of NAME or --selector can be provided");
  const client = await ctx.client();
  await requireMetricsApi(client);
  const metrics = name
    ? [await client.request<NodeMetrics>("GET", `${BASE}/nodes/${encodeURIComponent(name)}`)]
    : (await client.request<KList<NodeMetrics>>("GET", `${BASE}/nodes`, { query: { labelSelector: o.selector } })).items;
  if (metrics.length === 0) throw new UserError("metrics not available yet");
  const nodes = name ? [await client.get<Node>("Node", name)] : (await client.list<Node>("Node", { labelSelector: o.selector })).items;
  const allocatable = new Map<string, ResourceList | undefined>(nodes.map((n) => [n.metadata.name ?? "", n.status?.allocatable]));
  const rows = nodeRows(metrics, allocatable);
  ctx.out.write(formatTable(o.headers ? [NODE_COLUMNS, ...rows] : rows));
}

async function topPod(ctx: CliContext, name: string | undefined, o: PodFlags): Promise<void> {
  if (name && o.selector) throw new UserError("only one of NAME or selector can be provided");
  const client = await ctx.client();
  await requireMetricsApi(client);
  const ns = ctx.namespace();
  const all = !!o.allNamespaces && !name;
  const listPath = all ? `${BASE}/pods` : `${BASE}/namespaces/${encodeURIComponent(ns)}/pods`;
  const metrics = name
    ? [await client.request<PodMetrics>("GET", `${listPath}/${encodeURIComponent(name)}`)]
    : (await client.request<KList<PodMetrics>>("GET", listPath, { query: { labelSelector: o.selector } })).items;
  if (metrics.length === 0) {
    await explainEmpty(client, all ? undefined : ns, o.selector);
    ctx.err.write(all ? "No resources found\n" : `No resources found in ${ns} namespace.\n`);
    return;
  }
  const shape = { withNamespace: all, containers: !!o.containers };
  const rows = podRows(metrics, shape);
  ctx.out.write(formatTable(o.headers ? [podHeader(shape), ...rows] : rows));
}

/** Why a pod list had no metrics, as kubectl tells it: returns only when there are no pods. */
async function explainEmpty(client: ApiClient, namespace: string | undefined, selector: string | undefined): Promise<void> {
  const pods = (await client.list<Pod>("Pod", { namespace, labelSelector: selector })).items;
  if (pods.length === 0) return;
  const now = Date.now();
  for (const p of pods) {
    const age = now - Date.parse(p.metadata.creationTimestamp ?? "");
    if (age > METRICS_CREATION_DELAY_MS) throw new UserError(`Metrics not available for pod ${p.metadata.namespace}/${p.metadata.name}, age: ${goDuration(age)}`);
  }
  throw new UserError("metrics not available yet");
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const top = program.command("top").description("Display CPU and memory usage of nodes or pods (metrics.k8s.io, reported by each node's kubelet)");
    top
      .command("node")
      .aliases(["nodes", "no"])
      .description("Display CPU and memory usage of nodes, and their share of each node's allocatable")
      .argument("[name]")
      .option("-l, --selector <selector>", "label selector to filter on")
      .option("--no-headers", "do not print the header row")
      .action(guarded((name: string | undefined, o: NodeFlags) => topNode(ctx, name, o)));
    top
      .command("pod")
      .aliases(["pods", "po"])
      .description("Display CPU and memory usage of pods")
      .argument("[name]")
      .option("-A, --all-namespaces", "pods in every namespace")
      .option("-l, --selector <selector>", "label selector to filter on")
      .option("--containers", "one row per container")
      .option("--no-headers", "do not print the header row")
      .action(guarded((name: string | undefined, o: PodFlags) => topPod(ctx, name, o)));
  },
};
