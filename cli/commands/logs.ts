/**
 * `kctl logs`: print (and with -f follow) the logs of a container, of every pod matching a
 * selector (`-l app=web`, lines prefixed `[pod/NAME/CONTAINER]` with --prefix), or of one pod of a
 * workload (`deploy/web`, `rs/web-abc`). Served by GET pods/{name}/log through the API server.
 */
import type { IncomingMessage } from "node:http";
import { StringDecoder } from "node:string_decoder";
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import type { KList, Pod } from "../../lib/types.js";
import type { CliContext, CommandModule, Writer } from "../command.js";
import { errorMessage, guarded, UserError } from "../errors-output.js";
import { parseDuration } from "../../lib/duration.js";

interface LogsOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  selector?: string;
  prefix?: boolean;
  allContainers?: boolean;
  maxLogRequests?: string;
  ignoreErrors?: boolean;
}

/** `5s`, `10m`, `1h30m`, `2h` -> seconds (kubectl's --since). */
export function parseDurationSeconds(s: string): number {
  let ms: number;
  try {
    ms = parseDuration(s, "--since");
  } catch {
    throw new UserError(`invalid duration "${s}": use a number and a unit, such as 30s, 5m or 1h`);
  }
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The pods a `POD`, `pod/NAME` or `TYPE/NAME` (deployment, replicaset, job, statefulset: its first pod, as
 * kubectl picks one) argument names.
 */
export async function resolvePodArg(client: ApiClient, namespace: string, arg: string, err: Writer): Promise<Pod> {
  const slash = arg.indexOf("/");
  if (slash < 0) return client.get<Pod>("Pod", arg, namespace);
  const { resolveResource } = await import("../../lib/kinds.js");
  const type = arg.slice(0, slash);
  const name = arg.slice(slash + 1);
  const r = resolveResource(type);
  if (!r) throw new UserError(`the server doesn't have a resource type "${type}"`);
  if (r.kind === "Pod") return client.get<Pod>("Pod", name, namespace);
  if (!["Deployment", "ReplicaSet", "Job", "StatefulSet", "DaemonSet", "ReplicationController"].includes(r.kind)) throw new UserError(`cannot get the pods of a ${r.kind}`);
  const owner = await client.get<{ kind: string; apiVersion: string; metadata: { name?: string }; spec: { selector: import("../../lib/types.js").LabelSelector } }>(r.kind, name, namespace);
  const { labelSelectorToString } = await import("../../lib/selector.js");
  const pods = await client.list<Pod>("Pod", { namespace, labelSelector: labelSelectorToString(owner.spec.selector) });
  const live = pods.items.filter((p) => !p.metadata.deletionTimestamp).sort(byName);
  const pod = live.find((p) => p.status?.phase === "Running") ?? live[0];
  if (!pod) throw new UserError(`no pods found for ${r.singular}/${name}`);
  if (live.length > 1) err.write(`Found ${live.length} pods, using pod/${pod.metadata.name}\n`);
  return pod;
}

function byName(a: Pod, b: Pod): number {
  return (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/** The container to read: -c, else the pod's only container, else undefined (the server says which to choose). */
function containersFor(pod: Pod, opts: LogsOptions): (string | undefined)[] {
  if (opts.allContainers) return pod.spec.containers.map((c) => c.name);
  if (opts.container) return [opts.container];
  return pod.spec.containers.length === 1 ? [pod.spec.containers[0].name] : [undefined];
}

/** Copy a log stream to `out`, each line prefixed when `prefix` is given. */
function pump(res: IncomingMessage, out: Writer, prefix: string | undefined): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  const emit = (text: string, flush: boolean): void => {
    if (!prefix) {
      if (text) out.write(text);
      return;
    }
    carry += text;
    const lines = carry.split("\n");
    carry = lines.pop() ?? "";
    for (const l of lines) out.write(`${prefix} ${l}\n`);
    if (flush && carry) {
      out.write(`${prefix} ${carry}\n`);
      carry = "";
    }
  };
  return new Promise((resolve, reject) => {
    res.on("data", (d: Buffer) => emit(decoder.write(d), false));
    res.on("end", () => {
      emit(decoder.end(), true);
      resolve();
    });
    res.on("error", reject);
    res.on("close", () => {
      emit("", true);
      resolve();
    });
  });
}

async function run(ctx: CliContext, podArg: string | undefined, opts: LogsOptions): Promise<void> {
  if (!podArg && !opts.selector) throw new UserError("expected POD or TYPE/NAME, or a selector (-l)");
  if (podArg && opts.selector) throw new UserError("only one of a POD argument or a selector (-l) may be given");
  const client = await ctx.client();
  const namespace = ctx.namespace();
  let pods: Pod[];
  if (opts.selector) {
    const list: KList<Pod> = await client.list<Pod>("Pod", { namespace, labelSelector: opts.selector });
    pods = list.items.filter((p) => p.spec?.nodeName).sort(byName);
    if (pods.length === 0) {
      ctx.err.write(`No resources found in ${namespace} namespace.\n`);
      return;
    }
  } else {
    pods = [await resolvePodArg(client, namespace, podArg as string, ctx.err)];
  }
  const query: Record<string, string | number | boolean | undefined> = {
    follow: opts.follow || undefined,
    previous: opts.previous || undefined,
    timestamps: opts.timestamps || undefined,
  };
  // kubectl's default for a selector is the last 10 lines of each pod
  const tail = opts.tail !== undefined ? Number(opts.tail) : opts.selector ? 10 : -1;
  if (!Number.isInteger(tail)) throw new UserError(`--tail: not an integer: "${opts.tail}"`);
  if (tail >= 0) query.tailLines = tail;
  if (opts.since) query.sinceSeconds = parseDurationSeconds(opts.since);

  const targets = pods.flatMap((p) => containersFor(p, opts).map((c) => ({ pod: p, container: c })));
  const prefixed = opts.prefix === true || (opts.allContainers === true && targets.length > 1 && opts.prefix !== false);
  const openOne = async (t: (typeof targets)[number]): Promise<void> => {
    const name = t.pod.metadata.name as string;
    const res = await client.stream(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`, {
      ...query,
      container: t.container,
    });
    await pump(res, ctx.out, prefixed ? `[pod/${name}/${t.container ?? t.pod.spec.containers[0]?.name ?? ""}]` : undefined);
  };
  // --ignore-errors, as kubectl: a pod whose logs cannot be read (e.g. terminating, its container
  // gone) gets an "error: ..." line in the output and the others go on.
  const open = async (t: (typeof targets)[number]): Promise<void> => {
    if (!opts.ignoreErrors) return openOne(t);
    await openOne(t).catch((e: unknown) => ctx.out.write(`error: ${errorMessage(e)}\n`));
  };
  if (!opts.follow) {
    for (const t of targets) await open(t);
    return;
  }
  const max = Number(opts.maxLogRequests ?? 5);
  if (targets.length > max) {
    throw new UserError(
      `you are attempting to follow ${targets.length} log streams, but maximum allowed concurrency is ${max}, use --max-log-requests to increase the limit`,
    );
  }
  await Promise.all(targets.map(open));
}

export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("logs")
      .description("Print the logs of a container in a pod (or of every pod matching -l)")
      .argument("[pod]", "POD, pod/NAME, deploy/NAME or rs/NAME")
      .argument("[container]", "kubectl's POD CONTAINER form (the same as -c)")
      .option("-c, --container <name>", "the container (default: the pod's only container)")
      .option("-f, --follow", "stream the logs as they are written")
      .option("-p, --previous", "the logs of the previous (terminated) instance of the container")
      .option("--tail <lines>", "lines from the end to show (default: all; 10 with a selector)")
      .option("--timestamps", "prefix each line with its RFC 3339 timestamp")
      .option("--since <duration>", "only logs newer than this, e.g. 30s, 5m, 1h")
      .option("-l, --selector <selector>", "label selector: logs of every matching pod")
      .option("--prefix", "prefix each line with [pod/NAME/CONTAINER]")
      .option("--all-containers", "logs of every container of the pod(s)")
      .option("--max-log-requests <n>", "maximum concurrent streams with -f and a selector (default 5)")
      .option("--ignore-errors", "a pod whose logs cannot be read gets an error line and the others go on (default: stop at the first)")
      .action(
        guarded((pod: string | undefined, container: string | undefined, opts: LogsOptions) => {
          if (container !== undefined && opts.container !== undefined) throw new UserError("only one of -c or an inline [CONTAINER] arg is allowed");
          return run(ctx, pod, container === undefined ? opts : { ...opts, container });
        }),
      );
  },
};
