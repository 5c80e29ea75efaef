/** `kctl delete`: by file, TYPE NAME..., TYPE/NAME, -l selector or --all; waits until the objects are gone. */
import type { ApiClient } from "../../lib/client.js";
import { isNotFound } from "../../lib/errors.js";
import { displayType, type ResourceInfo } from "../../lib/kinds.js";
import type { CliContext, CommandModule } from "../command.js";
import { errorMessage, guarded, UserError } from "../errors-output.js";
import { listAll } from "../list.js";
import { parseResourceArgs } from "../resource-args.js";
import { repeatable } from "../flags.js";

interface DeleteFlags {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  wait: boolean;
  gracePeriod?: string;
  now?: boolean;
  force?: boolean;
  cascade?: string;
  ignoreNotFound?: boolean;
  timeout?: string;
  output?: string;
}

interface Target {
  resource: ResourceInfo;
  name: string;
  namespace?: string;
}

const CASCADE: Record<string, "Background" | "Foreground" | "Orphan"> = {
  background: "Background",
  true: "Background",
  foreground: "Foreground",
  orphan: "Orphan",
  false: "Orphan",
};


function parseTimeout(t: string | undefined): number {
  if (!t || t === "0" || t === "0s") return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(t);
  if (!m) throw new UserError(`invalid --timeout ${t}: use a duration such as 30s or 2m`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "s"];
  return Number(m[1]) * mult;
}

async function targets(ctx: CliContext, client: ApiClient, args: string[], o: DeleteFlags): Promise<Target[]> {
  if (o.filename?.length) {
    if (args.length) throw new UserError("when -f is given, no resource type or name may be given as arguments");
    const { loadManifests } = await import("../manifest/load.js");
    const loaded = await loadManifests(ctx, o.filename, { recursive: o.recursive });
    if (loaded.errors.length) throw new UserError(loaded.errors[0]);
    return loaded.objects.map((v) => ({ resource: v.resource, name: v.obj.metadata.name ?? "", namespace: v.namespace }));
  }
  if (args.length === 0) {
    throw new UserError('you must provide one or more resources by argument or filename.\nExample resource specifications include:\n   \'-f rsrc.yaml\'\n   \'--filename=rsrc.json\'\n   \'<resource> <name>\'\n   \'<resource>\'');
  }
  const ns = ctx.namespace();
  const out: Target[] = [];
  for (const req of parseResourceArgs(args)) {
    if (req.names.length) {
      if (o.selector || o.all) throw new UserError("name cannot be provided when a selector or --all is specified");
      for (const name of req.names) out.push({ resource: req.resource, name, namespace: req.resource.namespaced ? ns : undefined });
      continue;
    }
    if (!o.selector && !o.all && !o.fieldSelector) {
      throw new UserError(`resource(s) were provided, but no name was specified (use --all to delete every ${req.resource.singular}, or -l to select)`);
    }
    const list = await listAll(client, req.resource, {
      namespace: req.resource.namespaced && !o.allNamespaces ? ns : undefined,
      labelSelector: o.selector,
      fieldSelector: o.fieldSelector,
    });
    for (const item of list.items) out.push({ resource: req.resource, name: item.metadata.name ?? "", namespace: item.metadata.namespace });
  }
  return out;
}

async function run(ctx: CliContext, args: string[], o: DeleteFlags): Promise<void> {
  const cascade = o.cascade === undefined ? "Background" : CASCADE[o.cascade];
  if (!cascade) throw new UserError(`invalid cascade value (${o.cascade}). Must be "background", "foreground", or "orphan"`);
  let grace = o.gracePeriod === undefined ? undefined : Number(o.gracePeriod);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < -1)) throw new UserError(`invalid --grace-period ${o.gracePeriod}: must be an integer`);
  if (grace === -1) grace = undefined;
  if (o.now) grace = 1;
  if (o.force && grace === undefined) grace = 0;
  const timeoutMs = parseTimeout(o.timeout);
  const client = await ctx.client();
  const list = await targets(ctx, client, args, o);
  if (list.length === 0) {
    const ns = ctx.namespace();
    ctx.err.write(o.allNamespaces ? "No resources found\n" : `No resources found in ${ns} namespace.\n`);
    return;
  }
  const pending: Promise<void>[] = [];
  const { waitDeleted } = o.wait ? await import("../wait-deleted.js") : { waitDeleted: undefined };
  for (const t of list) {
    let uid: string | undefined;
    try {
      const res = await client.delete(t.resource.kind, t.name, { namespace: t.namespace, propagationPolicy: cascade, gracePeriodSeconds: grace });
      uid = (res as { metadata?: { uid?: string } } | undefined)?.metadata?.uid;
    } catch (e) {
      if (isNotFound(e)) {
        if (!o.ignoreNotFound) {
          ctx.err.write(`Error from server (NotFound): ${errorMessage(e)}\n`);
          process.exitCode = 1;
        }
        continue;
      }
      throw e;
    }
    const line = o.output === "name" ? `${displayType(t.resource)}/${t.name}\n` : `${displayType(t.resource)} "${t.name}" deleted\n`;
    if (waitDeleted) {
      // print when each object is gone, as kubectl does, without serialising the waits
      pending.push(waitDeleted(client, t.resource, t.name, t.namespace, uid, timeoutMs).then(() => void ctx.out.write(line)));
    } else ctx.out.write(line);
  }
  await Promise.all(pending);
}

export const command: CommandModule = {
  register(program, ctx) {
    program
      .command("delete")
      .description("Delete objects by file, TYPE NAME..., TYPE/NAME, label selector or --all (waits until they are gone)")
      .argument("[type-and-names...]", "TYPE [NAME...] or TYPE/NAME...")
      .option("-f, --filename <path>", "delete the objects in this file, directory or - (stdin); repeatable", repeatable)
      .option("-R, --recursive", "process directories recursively")
      .option("-l, --selector <selector>", "delete the objects matching this label selector")
      .option("--field-selector <selector>", "delete the objects matching this field selector")
      .option("--all", "delete every object of the type in the namespace")
      .option("-A, --all-namespaces", "with -l or --all: across all namespaces")
      .option("--wait [bool]", "wait until the objects are gone (default true; --wait=false or --no-wait to return at once)", (v: string) => v !== "false", true)
      .option("--no-wait", "return as soon as the deletion is accepted")
      .option("--grace-period <seconds>", "seconds the pod gets to stop (-1: the pod's own; 0 with --force: immediately)")
      .option("--now", "same as --grace-period=1")
      .option("--force", "with --grace-period=0: do not wait for the kubelet to confirm")
      .option("--cascade <mode>", "background|foreground|orphan: what happens to dependents", "background")
      .option("--ignore-not-found", "treat objects that do not exist as deleted")
      .option("--timeout <duration>", "give up waiting after this long (e.g. 60s; 0 = wait forever)")
      .option("-o, --output <format>", "name: print only kind/name")
      .action(guarded((args: string[], o: DeleteFlags) => run(ctx, args, o)));
  },
};
