/**
 * `kctl cordon NODE`, `kctl uncordon NODE` and `kctl drain NODE`, as kubectl:
 * cordon sets `spec.unschedulable` so the scheduler places no new pods there; drain cordons, then
 * deletes the node's pods (their controllers recreate them elsewhere) and waits until they are gone.
 *
 *   drain: cordon ─► list pods on the node ─► classify (daemonset? unmanaged? local storage?)
 *          ─► refuse with kubectl's message unless the flag allows ─► delete each ─► wait gone
 */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { isNotFound } from "../../lib/errors.js";
import type { Node, Pod } from "../../lib/types.js";
import type { CliContext, CommandModule, Writer } from "../command.js";
import { guarded, UserError } from "../errors-output.js";

/** Set or clear `spec.unschedulable`; prints `node/x cordoned` / `node/x already cordoned`. */
export async function setUnschedulable(client: ApiClient, name: string, on: boolean, out: Writer): Promise<void> {
  const node = await client.get<Node>("Node", name);
  const verb = on ? "cordoned" : "uncordoned";
  if ((node.spec?.unschedulable ?? false) === on) {
    out.write(`node/${name} already ${verb}\n`);
    return;
  }
  // `null` removes the field on uncordon, as kubectl leaves it.
  await client.patch("Node", name, { spec: { unschedulable: on ? true : null } });
  out.write(`node/${name} ${verb}\n`);
}

export interface DrainFlags {
  ignoreDaemonsets?: boolean;
  force?: boolean;
  deleteEmptydirData?: boolean;
  /** seconds; negative: the pod's own terminationGracePeriodSeconds */
  gracePeriod?: number;
}

/** What drain does with each pod of the node, and the errors/warnings kubectl would print. */
export interface DrainPlan {
  toDelete: Pod[];
  errors: string[];
  warnings: string[];
}

const podName = (p: Pod): string => `${p.metadata.namespace ?? "default"}/${p.metadata.name ?? ""}`;

/** Classify the pods of a node as kubectl drain does (pure; exported for tests). */
export function planDrain(pods: Pod[], flags: DrainFlags): DrainPlan {
  const daemon: string[] = [];
  const unmanaged: string[] = [];
  const local: string[] = [];
  const toDelete: Pod[] = [];
  for (const p of pods) {
    if (p.metadata.annotations?.["kubernetes.io/config.mirror"]) continue; // static pods are the kubelet's
    if (p.metadata.deletionTimestamp) {
      toDelete.push(p); // already going: just wait for it
      continue;
    }
    const finished = p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
    const controller = p.metadata.ownerReferences?.find((o) => o.controller);
    if (!finished && controller?.kind === "DaemonSet") {
      daemon.push(podName(p));
      continue; // a DaemonSet would recreate it on this node at once: never deleted
    }
    if (!finished && !controller) unmanaged.push(podName(p));
    if (!finished && (p.spec?.volumes ?? []).some((v) => v.emptyDir)) local.push(podName(p));
    toDelete.push(p);
  }
  const errors: string[] = [];
  const warnings: string[] = [];
  if (daemon.length) {
    if (flags.ignoreDaemonsets) warnings.push(`ignoring DaemonSet-managed Pods: ${daemon.join(", ")}`);
    else errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemon.join(", ")}`);
  }
  if (unmanaged.length) {
    if (flags.force) warnings.push(`deleting Pods that declare no controller: ${unmanaged.join(", ")}`);
    else errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(", ")}`);
  }
  if (local.length) {
    if (flags.deleteEmptydirData) warnings.push(`deleting Pods with local storage: ${local.join(", ")}`);
    else errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.join(", ")}`);
  }
  return { toDelete, errors, warnings };
}

async function podsOnNode(client: ApiClient, node: string): Promise<Pod[]> {
  const list = await client.list<Pod>("Pod", { fieldSelector: `spec.nodeName=${node}` });
  return list.items.filter((p) => p.spec?.nodeName === node); // in case the server ignores the selector
}

interface DrainOptions {
  ignoreDaemonsets?: boolean;
  force?: boolean;
  deleteEmptydirData?: boolean;
  gracePeriod: string;
  timeout: string;
}

async function drain(ctx: CliContext, name: string, o: DrainOptions): Promise<void> {
  const gracePeriod = Number(o.gracePeriod);
  if (!Number.isInteger(gracePeriod)) throw new UserError(`--grace-period must be an integer, got "${o.gracePeriod}"`);
  const { parseDuration } = await import("../../lib/duration.js");
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(o.timeout, "--timeout");
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await drainNode(await ctx.client(), name, { ...o, gracePeriod, timeoutMs }, ctx.out, ctx.err);
}

/**
 * Cordon `name`, delete its pods as `planDrain` allows, and wait until they are gone
 * (`timeoutMs` 0: forever). Throws a UserError with kubectl's message when a pod blocks the drain.
 */
export async function drainNode(
  client: ApiClient,
  name: string,
  o: DrainFlags & { timeoutMs: number },
  out: Writer,
  err: Writer,
): Promise<void> {
  const { gracePeriod = -1, timeoutMs } = o;
  await setUnschedulable(client, name, true, out);

  const plan = planDrain(await podsOnNode(client, name), o);
  if (plan.errors.length) {
    throw new UserError(`unable to drain node "${name}" due to error: ${plan.errors.join(", ")}; the node stays cordoned`);
  }
  for (const w of plan.warnings) err.write(`Warning: ${w}\n`);

  const waiting = new Map<string, Pod>();
  for (const p of plan.toDelete) {
    const ns = p.metadata.namespace ?? "default";
    const pn = p.metadata.name ?? "";
    waiting.set(p.metadata.uid ?? podName(p), p);
    if (p.metadata.deletionTimestamp) continue;
    out.write(`evicting pod ${ns}/${pn}\n`);
    try {
      await client.delete("Pod", pn, {
        namespace: ns,
        ...(gracePeriod >= 0 ? { gracePeriodSeconds: gracePeriod } : {}),
        preconditions: p.metadata.uid ? { uid: p.metadata.uid } : undefined,
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  // Wait until every deleted pod is gone (a replacement with the same name has another uid).
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let delay = 200;
  while (waiting.size > 0) {
    const present = new Set((await podsOnNode(client, name)).map((p) => p.metadata.uid ?? podName(p)));
    for (const [uid, p] of waiting) {
      if (!present.has(uid)) {
        out.write(`pod/${p.metadata.name} evicted\n`);
        waiting.delete(uid);
      }
    }
    if (waiting.size === 0) break;
    if (Date.now() >= deadline) {
      const left = [...waiting.values()].map(podName).join(", ");
      throw new UserError(`drain did not complete within ${timeoutMs} ms: pods still on node/${name}: ${left}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 2000);
  }
  out.write(`node/${name} drained\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("cordon")
      .description("Mark a node unschedulable: the scheduler places no new pods on it")
      .argument("<node>")
      .action(guarded(async (node: string) => setUnschedulable(await ctx.client(), node, true, ctx.out)));
    program
      .command("uncordon")
      .description("Mark a node schedulable again")
      .argument("<node>")
      .action(guarded(async (node: string) => setUnschedulable(await ctx.client(), node, false, ctx.out)));
    program
      .command("drain")
      .description("Cordon a node, then delete its pods (their controllers recreate them elsewhere) and wait until they are gone")
      .argument("<node>")
      .option("--ignore-daemonsets", "leave DaemonSet-managed pods alone instead of refusing")
      .option("--force", "also delete pods that declare no controller (they are not recreated)")
      .option("--delete-emptydir-data", "also delete pods using emptyDir volumes (their data is lost)")
      .option("--grace-period <seconds>", "seconds each pod gets to stop; negative: the pod's own default", "-1")
      .option("--timeout <duration>", "give up after this long (0: wait forever)", "0s")
      .action(guarded((node: string, o: DrainOptions) => drain(ctx, node, o)));
  },
};
