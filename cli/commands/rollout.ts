/**
 * `kctl rollout status|history|undo|restart deploy/NAME|sts/NAME` and `pause|resume deploy/NAME`,
 * as kubectl:
 *
 *   status  ─ watch the workload, print kubectl's progress lines, exit 0 when rolled out,
 *             1 on ProgressDeadlineExceeded (Deployment), OnDelete (StatefulSet) or --timeout
 *   history ─ REVISION / CHANGE-CAUSE from the Deployment's ReplicaSets or the StatefulSet's
 *             ControllerRevisions (--revision=N: the template)
 *   undo    ─ restore the template of revision N (default: the previous one): copied into a
 *             Deployment (the controller reuses that ReplicaSet); for a StatefulSet the
 *             revision's data is sent as a strategic merge patch, as kubectl does
 *   restart ─ stamp kubectl.kubernetes.io/restartedAt on the template (a new rollout)
 *   pause / resume ─ spec.paused (Deployments only)
 */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { displayType } from "../../lib/kinds.js";
import type { ControllerRevision, DaemonSet, Deployment, KObject, LabelSelector, Pod, PodTemplateSpec, ReplicaSet, StatefulSet } from "../../lib/types.js";
import type { CliContext, CommandModule, Writer } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { parseWorkloadArg, replicasFlag } from "../workload-args.js";
import { RESTARTED_AT_ANNOTATION, REVISION_ANNOTATION } from "../../lib/deployment-revisions.js";
import { rfc3339 } from "../../lib/timestamps.js";

const KINDS = ["Deployment", "StatefulSet"];

async function target(ctx: CliContext, args: string[], verb: string, kinds = KINDS): Promise<{ client: ApiClient; ns: string; name: string; type: string; kind: string }> {
  const { resource, name } = parseWorkloadArg(args, kinds, verb);
  return { client: await ctx.client(), ns: ctx.namespace(), name, type: `${displayType(resource)}/${name}`, kind: resource.kind };
}

async function ownedRevisionList(client: ApiClient, sts: StatefulSet): Promise<ControllerRevision[]> {
  const { labelSelectorToString } = await import("../../lib/selector.js");
  const list = await client.list<ControllerRevision>("ControllerRevision", { namespace: sts.metadata.namespace, labelSelector: labelSelectorToString(sts.spec.selector) });
  return list.items;
}

async function ownedReplicaSets(client: ApiClient, d: Deployment): Promise<ReplicaSet[]> {
  const { labelSelectorToString } = await import("../../lib/selector.js");
  const list = await client.list<ReplicaSet>("ReplicaSet", { namespace: d.metadata.namespace, labelSelector: labelSelectorToString(d.spec.selector) });
  return list.items;
}

interface StatusFlags {
  watch?: boolean;
  timeout?: string;
  revision?: string;
}

/** Watch the workload until rolled out; prints each new status line once. */
async function status(ctx: CliContext, args: string[], flags: StatusFlags): Promise<void> {
  const { client, ns, name, kind } = await target(ctx, args, "get the rollout status of", [...KINDS, "DaemonSet"]);
  const { rolloutStatus, statefulSetRolloutStatus } = await import("../../lib/rollout.js");
  const { daemonSetRolloutStatus } = await import("../../lib/daemonset-rollout.js");
  const { parseDuration } = await import("../../lib/duration.js");
  const timeoutMs = flags.timeout ? parseDuration(flags.timeout, "--timeout") : 0;
  const wanted = replicasFlag(flags.revision, "--revision");
  const { imageHint } = await import("../apply/readiness.js");
  const { newRevisionPods } = await import("../apply/revision-pods.js");
  const what = kind.toLowerCase();
  let last = "";
  // The workload's pods, watched only while waiting: a pull in progress or failing in a pod of the
  // new revision is added to kubectl's line, e.g. `... 0 of 3 updated replicas are available...
  // (pulling image "web:v2": 45 MB / 120 MB)`, so a slow first start says why it is slow.
  let pods: PodWatch | undefined;
  let current: KObject | undefined;
  const evaluate = (obj: KObject): "done" | "wait" => {
    current = obj;
    if (wanted !== undefined && wanted > 0 && kind === "Deployment") {
      const rev = Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? "0");
      if (rev !== wanted) throw new UserError(`desired revision (${wanted}) is different from the running revision (${rev})`);
    }
    const s = kind === "StatefulSet" ? statefulSetRolloutStatus(obj as StatefulSet) : kind === "DaemonSet" ? daemonSetRolloutStatus(obj as DaemonSet) : rolloutStatus(obj as Deployment);
    if (s.error) throw new UserError(s.error);
    const hint = !s.done && s.message && pods ? imageHint(newRevisionPods(obj, pods.list())) : undefined;
    const line = hint ? `${s.message} (${hint})` : s.message;
    if (line !== last) {
      ctx.out.write(`${line}\n`);
      last = line;
    }
    return s.done ? "done" : "wait";
  };
  const first = await client.get<KObject>(kind, name, ns);
  if (evaluate(first) === "done" || flags.watch === false) return;
  const untilRolledOut = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let handle: { stop(): void } | undefined;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        handle?.stop();
        if (err) reject(err);
        else resolve();
      };
      if (timeoutMs > 0) timer = setTimeout(() => finish(new UserError(`timed out waiting for the condition (${what} "${name}" not rolled out within ${flags.timeout})`)), timeoutMs);
      // Re-watch when the server closes the stream (the list+watch gap is covered by the resourceVersion).
      let rv = first.metadata.resourceVersion;
      const watchOnce = (): void => {
        if (settled) return;
        const h = client.watch<KObject>(kind, { namespace: ns, fieldSelector: `metadata.name=${name}`, resourceVersion: rv }, (ev) => {
          if (ev.type === "DELETED") return finish(new UserError(`${what} "${name}" was deleted`));
          if (ev.type !== "ADDED" && ev.type !== "MODIFIED") return;
          rv = ev.object.metadata.resourceVersion;
          try {
            if (evaluate(ev.object) === "done") finish();
          } catch (err) {
            finish(err);
          }
        });
        handle = h;
        h.done.then(
          () => watchOnce(),
          (err: unknown) => finish(err),
        );
      };
      watchOnce();
    });
  pods = await watchPods(client, first, () => {
    try {
      if (current) evaluate(current);
    } catch {
      // the workload's own watch reports what is wrong with it
    }
  });
  try {
    await untilRolledOut();
  } finally {
    pods?.stop();
  }
}

/** The pods of a workload (by its selector), kept current by an informer. */
interface PodWatch {
  list(): Pod[];
  stop(): void;
}

async function watchPods(client: ApiClient, workload: KObject, onChange: () => void): Promise<PodWatch | undefined> {
  const selector = (workload as { spec?: { selector?: LabelSelector } }).spec?.selector;
  if (!selector) return undefined;
  const { labelSelectorToString } = await import("../../lib/selector.js");
  const { Informer } = await import("../../lib/informer.js");
  const informer = new Informer<Pod>(client, "Pod", { namespace: workload.metadata.namespace, labelSelector: labelSelectorToString(selector) });
  informer.addEventHandler({ onAdd: onChange, onUpdate: onChange, onDelete: onChange });
  informer.start();
  return { list: () => informer.list(), stop: () => void informer.stop() };
}

/** Describe a pod template as `kubectl rollout history --revision` does (a short form). */
export function describeTemplate(t: PodTemplateSpec, out: Writer): void {
  const kv = (m?: Record<string, string>) => (m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join("\n\t") : "<none>");
  out.write(`Pod Template:\n  Labels:\t${kv(t.metadata?.labels)}\n`);
  if (t.metadata?.annotations && Object.keys(t.metadata.annotations).length) out.write(`  Annotations:\t${kv(t.metadata.annotations)}\n`);
  out.write("  Containers:\n");
  for (const c of t.spec.containers) {
    out.write(`   ${c.name}:\n    Image:\t${c.image}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}`);
    out.write(`    Port:\t${ports.length ? ports.join(", ") : "<none>"}\n`);
    if (c.command?.length) out.write(`    Command:\t${c.command.join(" ")}\n`);
    if (c.args?.length) out.write(`    Args:\t${c.args.join(" ")}\n`);
    const env = (c.env ?? []).map((e) => `${e.name}:\t${e.value ?? "<set from a reference>"}`);
    out.write(`    Environment:${env.length ? `\n      ${env.join("\n      ")}` : "\t<none>"}\n`);
  }
}

async function history(ctx: CliContext, args: string[], flags: StatusFlags): Promise<void> {
  const { client, ns, name, type, kind } = await target(ctx, args, "get the rollout history of", [...KINDS, "DaemonSet"]);
  const { historyRows, ownedByRevision, ownedRevisions, statefulSetHistoryRows, templateOf } = await import("../../lib/rollout.js");
  const { revisionOf } = await import("../../lib/deployment-revisions.js");
  const { templateOfRevision } = await import("../../lib/controller-revisions.js");
  const revision = replicasFlag(flags.revision, "--revision");
  let rows: { revision: number; changeCause: string }[];
  let template: (n: number) => PodTemplateSpec | undefined;
  if (kind === "StatefulSet" || kind === "DaemonSet") {
    // A DaemonSet keeps its history in ControllerRevisions exactly as a StatefulSet does.
    const sts = await client.get<StatefulSet>(kind, name, ns);
    const revs = await ownedRevisionList(client, sts);
    rows = statefulSetHistoryRows(sts, revs);
    template = (n) => {
      const r = ownedRevisions(sts, revs).find((x) => x.revision === n);
      return r && templateOfRevision(r);
    };
  } else {
    const d = await client.get<Deployment>("Deployment", name, ns);
    const rss = await ownedReplicaSets(client, d);
    rows = historyRows(d, rss);
    template = (n) => {
      const rs = ownedByRevision(d, rss).find((r) => revisionOf(r) === n);
      return rs && templateOf(rs);
    };
  }
  if (revision !== undefined && revision > 0) {
    const t = template(revision);
    if (!t) throw new UserError(`unable to find the specified revision ${revision}`);
    ctx.out.write(`${type} with revision #${revision}\n`);
    describeTemplate(t, ctx.out);
    return;
  }
  ctx.out.write(`${type} \n`);
  const width = Math.max("REVISION".length, ...rows.map((r) => String(r.revision).length)) + 2;
  ctx.out.write(`${"REVISION".padEnd(width)}CHANGE-CAUSE\n`);
  for (const r of rows) ctx.out.write(`${String(r.revision).padEnd(width)}${r.changeCause}\n`);
  ctx.out.write("\n");
}

async function undo(ctx: CliContext, args: string[], flags: { toRevision?: string }): Promise<void> {
  const { client, ns, name, type, kind } = await target(ctx, args, "roll back", [...KINDS, "DaemonSet"]);
  const { planUndo, planStatefulSetUndo, rolledBack } = await import("../../lib/rollout.js");
  const toRevision = replicasFlag(flags.toRevision, "--to-revision") ?? 0;
  if (kind === "StatefulSet" || kind === "DaemonSet") {
    const sts = await client.get<StatefulSet>(kind, name, ns);
    const plan = planStatefulSetUndo(sts, await ownedRevisionList(client, sts), toRevision);
    if (plan.type === "error") throw new UserError(plan.message);
    if (plan.type === "skip") {
      ctx.out.write(`${type} skipped rollback (current template already matches revision ${plan.revision})\n`);
      return;
    }
    // The revision's data is a strategic merge patch with `$patch: replace` on the template.
    await client.patch(kind, name, plan.patch, { namespace: ns, type: "strategic" });
    ctx.out.write(`${type} rolled back\n`);
    return;
  }
  const d = await client.get<Deployment>("Deployment", name, ns);
  const plan = planUndo(d, await ownedReplicaSets(client, d), toRevision);
  if (plan.type === "error") throw new UserError(plan.message);
  if (plan.type === "skip") {
    ctx.out.write(`${type} skipped rollback (current template already matches revision ${plan.revision})\n`);
    return;
  }
  await client.update(rolledBack(d, plan));
  ctx.out.write(`${type} rolled back\n`);
}

async function restart(ctx: CliContext, args: string[]): Promise<void> {
  const { client, ns, name, type, kind } = await target(ctx, args, "restart");
  const obj = await client.get<KObject>(kind, name, ns);
  if (kind === "Deployment" && (obj as Deployment).spec.paused) throw new UserError(`deployments.apps "${name}" is paused; run 'kctl rollout resume deployment/${name}' first`);
  const stamp = rfc3339(new Date());
  await client.patch(kind, name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } }, { namespace: ns });
  ctx.out.write(`${type} restarted\n`);
}

async function setPaused(ctx: CliContext, args: string[], paused: boolean): Promise<void> {
  const verb = paused ? "pause" : "resume";
  const { client, ns, name, type } = await target(ctx, args, verb, ["Deployment"]);
  const d = await client.get<Deployment>("Deployment", name, ns);
  if ((d.spec.paused ?? false) === paused) throw new UserError(`deployments.apps "${name}" is ${paused ? "already paused" : "not paused"}`);
  await client.patch("Deployment", name, { spec: { paused: paused ? true : null } }, { namespace: ns });
  ctx.out.write(`${type} ${paused ? "paused" : "resumed"}\n`);
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    const rollout = program.command("rollout").description("Manage the rollout of a deployment or statefulset");
    rollout
      .command("status")
      .description("Watch a rollout until it finishes (exit 1 on ProgressDeadlineExceeded or --timeout)")
      .argument("<resource...>", "deployment/NAME or statefulset/NAME")
      .option("-w, --watch", "watch until the rollout finishes (default)", true)
      .option("--no-watch", "print the current status once")
      .option("--timeout <duration>", "give up after this long (e.g. 2m); default: wait forever")
      .option("--revision <n>", "fail if the running revision is not this one")
      .action(guarded((args: string[], flags: StatusFlags) => status(ctx, args, flags)));
    rollout
      .command("history")
      .description("Show the revisions of a deployment or statefulset")
      .argument("<resource...>", "deployment/NAME or statefulset/NAME")
      .option("--revision <n>", "show the pod template of this revision")
      .action(guarded((args: string[], flags: StatusFlags) => history(ctx, args, flags)));
    rollout
      .command("undo")
      .description("Roll back to a previous revision (default: the one before the current)")
      .argument("<resource...>", "deployment/NAME or statefulset/NAME")
      .option("--to-revision <n>", "the revision to roll back to (0: the previous one)")
      .action(guarded((args: string[], flags: { toRevision?: string }) => undo(ctx, args, flags)));
    rollout
      .command("restart")
      .description("Restart every pod of a deployment or statefulset with a new rollout")
      .argument("<resource...>", "deployment/NAME or statefulset/NAME")
      .action(guarded((args: string[]) => restart(ctx, args)));
    rollout
      .command("pause")
      .description("Pause a deployment: template changes do not roll out until resumed")
      .argument("<resource...>", "deployment/NAME")
      .action(guarded((args: string[]) => setPaused(ctx, args, true)));
    rollout
      .command("resume")
      .description("Resume a paused deployment")
      .argument("<resource...>", "deployment/NAME")
      .action(guarded((args: string[]) => setPaused(ctx, args, false)));
  },
};
