/**
 * `kctl wait`, as kubectl:
 *
 *   kctl wait pod/web --for=condition=Ready [--timeout=30s]        pod/web condition met
 *   kctl wait deploy/web --for=condition=Available=false
 *   kctl wait pods -l app=web --for=delete                          pod/web-1 deleted
 *   kctl wait pod/web --for=jsonpath='{.status.phase}'=Running      pod/web condition met
 *
 * Per object: list it by name (for the collection's resourceVersion), check it, then watch from
 * that version until the check passes; a closed watch re-lists. Objects are waited on one after
 * another as kubectl does, but under one overall deadline (kubectl restarts the timeout per
 * object). On timeout: `error: timed out waiting for the condition on pods/web`, exit 1.
 */
import type { Command } from "commander";
import type { ApiClient } from "../../lib/client.js";
import { displayType, type ResourceInfo } from "../../lib/kinds.js";
import type { KList, KObject } from "../../lib/types.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { findObjects } from "../resource-args.js";

/** What `--for` asks for. */
export type WaitFor =
  | { t: "delete" }
  | { t: "condition"; name: string; status: string }
  | { t: "jsonpath"; expr: string; value?: string };

const JSONPATH_USAGE = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3";

/** Parse `--for`: `delete`, `condition=NAME[=VALUE]` (VALUE defaults to true), `jsonpath=EXPR[=VALUE]`. */
export function parseWaitFor(spec: string | undefined): WaitFor {
  if (spec === undefined || spec === "") throw new UserError("--for must be specified: delete, condition=CONDITION[=VALUE] or jsonpath=EXPRESSION[=VALUE]");
  if (spec.toLowerCase() === "delete") return { t: "delete" };
  if (spec.startsWith("condition=")) {
    const rest = spec.slice("condition=".length);
    const eq = rest.indexOf("=");
    const name = eq < 0 ? rest : rest.slice(0, eq);
    if (!name) throw new UserError(`unrecognized condition: "${spec}"`);
    return { t: "condition", name, status: eq < 0 ? "true" : rest.slice(eq + 1) };
  }
  if (spec.startsWith("jsonpath=")) {
    const rest = spec.slice("jsonpath=".length);
    // `{...}` may itself hold `=` (filters: [?(@.type=="Ready")]), so the value starts after its `}`.
    let expr: string;
    let tail: string;
    if (rest.startsWith("{")) {
      const close = rest.lastIndexOf("}");
      if (close < 0) throw new UserError(JSONPATH_USAGE);
      expr = rest.slice(0, close + 1);
      tail = rest.slice(close + 1);
    } else {
      const eq = rest.indexOf("=");
      expr = eq < 0 ? rest : rest.slice(0, eq);
      tail = eq < 0 ? "" : rest.slice(eq);
    }
    if (expr === "" || expr === "{}" || (tail !== "" && !tail.startsWith("="))) throw new UserError(JSONPATH_USAGE);
    return { t: "jsonpath", expr, value: tail === "" ? undefined : tail.slice(1) };
  }
  throw new UserError(`unrecognized condition: "${spec}"`);
}

/** kubectl's condition check: the first condition whose type matches (any case) decides, its status compared in any case. */
export function conditionMet(obj: KObject, name: string, status: string): boolean {
  const conds = (obj as { status?: { conditions?: unknown } }).status?.conditions;
  if (!Array.isArray(conds)) return false;
  for (const c of conds as { type?: unknown; status?: unknown }[]) {
    if (typeof c?.type !== "string" || c.type.toLowerCase() !== name.toLowerCase()) continue;
    if (typeof c.status !== "string") continue;
    return c.status.toLowerCase() === status.toLowerCase();
  }
  return false;
}

/** A check on one live object: true = met; throws a UserError for an unusable expression. */
type Check = (obj: KObject) => boolean;

async function jsonPathCheck(expr: string, value: string | undefined): Promise<Check> {
  const { evaluatePath, valueText, JsonPathError } = await import("../printers/jsonpath.js");
  const evaluate = (obj: KObject): unknown[] => {
    try {
      return evaluatePath(expr, obj);
    } catch (e) {
      if (e instanceof JsonPathError) throw new UserError(e.message);
      throw e;
    }
  };
  evaluate({ apiVersion: "v1", kind: "Pod", metadata: {} }); // a bad expression fails before any waiting
  return (obj) => {
    const found = evaluate(obj);
    if (found.length === 0) return false;
    if (value === undefined) return true; // no value: the field only has to exist
    if (found.length > 1) throw new UserError("given jsonpath expression matches more than one value");
    if (typeof found[0] === "object" && found[0] !== null) throw new UserError("jsonpath leads to a nested object or list which is not supported");
    return valueText(found[0]) === value;
  };
}

interface Target {
  resource: ResourceInfo;
  name: string;
  namespace?: string;
  /** set when read up front: a new object with this name but another uid means the old one is gone */
  uid?: string;
}

class TimedOut extends Error {}

/**
 * Wait until `check` passes on the named object (or, for delete, until it is gone). Lists by
 * name to learn the version to watch from, so no change between the read and the watch is lost.
 */
async function waitOne(client: ApiClient, t: Target, forSpec: WaitFor, check: Check, deadline: number): Promise<void> {
  const fieldSelector = `metadata.name=${t.name}`;
  for (;;) {
    const list: KList = await client.list(t.resource.kind, { namespace: t.namespace, fieldSelector });
    const live = list.items.find((o) => o.metadata.name === t.name);
    if (forSpec.t === "delete") {
      if (!live || (t.uid && live.metadata.uid !== t.uid)) return;
    } else if (live && check(live)) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new TimedOut();
    const outcome = await new Promise<"met" | "closed">((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        handle.stop();
        fn();
      };
      const timer = setTimeout(() => finish(() => reject(new TimedOut())), remaining);
      const handle = client.watch(t.resource.kind, { namespace: t.namespace, fieldSelector, resourceVersion: list.metadata.resourceVersion }, (ev) => {
        if (ev.object?.metadata?.name !== t.name) return;
        try {
          if (forSpec.t === "delete") {
            if (ev.type === "DELETED") finish(() => resolve("met"));
          } else if ((ev.type === "ADDED" || ev.type === "MODIFIED") && check(ev.object)) finish(() => resolve("met"));
        } catch (e) {
          finish(() => reject(e));
        }
        // DELETED while waiting on a condition: keep watching, as kubectl (it may be recreated)
      });
      // The server ended the stream (its timeout, a compacted version): list again and re-watch.
      handle.done.then(
        () => finish(() => resolve("closed")),
        (e: unknown) => finish(() => reject(e)),
      );
    });
    if (outcome === "met") return;
  }
}

interface WaitFlags {
  for?: string;
  timeout: string;
  selector?: string;
  all?: boolean;
}

/** Named objects, or those a selector / --all picks (read now, as kubectl's resource finder does). */
async function targets(ctx: CliContext, client: ApiClient, args: string[], flags: WaitFlags, forDelete: boolean): Promise<Target[]> {
  if (args.length === 0) throw new UserError("resource name or label selector is required: TYPE/NAME, TYPE NAME, TYPE -l SELECTOR or TYPE --all");
  // Waiting for the deletion of something already gone succeeds at once (kubectl).
  const found = await findObjects(client, ctx.namespace(), args, flags, forDelete);
  return found.map(({ resource, obj }) => ({ resource, name: obj.metadata.name ?? "", namespace: obj.metadata.namespace, uid: obj.metadata.uid }));
}

/** kubectl: zero checks once without waiting, a negative timeout means a week. */
async function timeoutMs(text: string): Promise<number> {
  const { parseDuration } = await import("../../lib/duration.js");
  const negative = text.trim().startsWith("-");
  let ms: number;
  try {
    ms = parseDuration(negative ? text.trim().slice(1) : text, "--timeout");
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return negative ? 7 * 24 * 3_600_000 : ms;
}

async function run(ctx: CliContext, args: string[], flags: WaitFlags): Promise<void> {
  const forSpec = parseWaitFor(flags.for);
  const limit = await timeoutMs(flags.timeout);
  const check: Check =
    forSpec.t === "condition" ? (o) => conditionMet(o, forSpec.name, forSpec.status) : forSpec.t === "jsonpath" ? await jsonPathCheck(forSpec.expr, forSpec.value) : () => false;
  if (flags.selector && flags.all) throw new UserError("setting 'all' parameter but found a non empty selector");
  const client = await ctx.client();
  const deadline = Date.now() + limit;
  const list = await targets(ctx, client, args, flags, forSpec.t === "delete");
  if (list.length === 0) {
    if (forSpec.t === "delete") return;
    throw new UserError("no matching resources found");
  }
  for (const t of list) {
    try {
      await waitOne(client, t, forSpec, check, deadline);
    } catch (e) {
      if (e instanceof TimedOut) throw new UserError(`timed out waiting for the condition on ${t.resource.plural}/${t.name}`);
      throw e;
    }
    ctx.out.write(`${displayType(t.resource)}/${t.name} ${forSpec.t === "delete" ? "deleted" : "condition met"}\n`);
  }
}

/** `kctl wait`: block until objects meet a condition, match a jsonpath value, or are deleted. */
export const command: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("wait")
      .description("Wait for a condition on objects (kctl wait pod/web --for=condition=Ready, --for=delete, --for=jsonpath='{.status.phase}'=Running)")
      .argument("[resources...]", "TYPE/NAME..., TYPE NAME..., or TYPE with -l / --all")
      .option("--for <condition>", "delete | condition=NAME[=VALUE] (VALUE default true) | jsonpath=EXPRESSION[=VALUE]")
      .option("--timeout <duration>", "give up after this long (0: check once; negative: a week)", "30s")
      .option("-l, --selector <selector>", "wait on the objects matching this label selector")
      .option("--all", "wait on every object of the type in the namespace")
      .action(guarded((args: string[], flags: WaitFlags) => run(ctx, args, flags)));
  },
};
