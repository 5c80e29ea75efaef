/**
 * `kctl label` and `kctl annotate`, as kubectl:
 *
 *   kctl label pod web app=web tier=fe [old-] [--overwrite]     (also pod/web, TYPE -l SEL, TYPE --all)
 *   kctl annotate deploy/web owner=team-a [note-] [--overwrite]
 *
 * Every update is parsed and validated, every object read and checked (overwrite refusals) before
 * the first write, so a bad argument or a refusal changes nothing. Each object is then written
 * with a JSON merge patch on its metadata map (null removes a key) carrying the resourceVersion
 * that was read: a concurrent writer makes it a 409 conflict instead of a silently lost update.
 */
import type { Command } from "commander";
import { displayType } from "../../lib/kinds.js";
import { labelKeyError, labelValueError } from "../../lib/selector.js";
import type { CliContext, CommandModule } from "../command.js";
import { guarded, UserError } from "../errors-output.js";
import { findObjects } from "../resource-args.js";

/** Which metadata map a command edits and how it talks about it. */
export interface MetaMapVerb {
  /** the command name */
  verb: "label" | "annotate";
  field: "labels" | "annotations";
  noun: "label" | "annotation";
}

const LABEL: MetaMapVerb = { verb: "label", field: "labels", noun: "label" };
const ANNOTATE: MetaMapVerb = { verb: "annotate", field: "annotations", noun: "annotation" };

/** The parsed `k=v` / `k-` arguments. */
export interface MetaUpdates {
  set: Map<string, string>;
  remove: string[];
}

/** Is this argument an update (`k=v`, `k-`) rather than a resource? kubectl's own test. */
function isUpdateArg(a: string): boolean {
  return a.includes("=") || a.endsWith("-");
}

/**
 * Split `TYPE NAME... k=v k2-` into resource arguments and updates: updates start at the first
 * argument that contains `=` or ends in `-` (a resource name can do neither).
 */
export function splitUpdateArgs(args: readonly string[]): { resources: string[]; updates: string[] } {
  const i = args.findIndex(isUpdateArg);
  return i < 0 ? { resources: [...args], updates: [] } : { resources: args.slice(0, i), updates: args.slice(i) };
}

/**
 * Parse and validate updates with the API server's rules (lib/selector.ts, the same functions
 * its validation calls), so a bad key or value is one readable line and nothing is sent.
 * Labels allow exactly one `=`; an annotation value may itself contain `=`.
 */
export function parseUpdates(specs: readonly string[], kind: MetaMapVerb): MetaUpdates {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq >= 0) {
      const key = spec.slice(0, eq);
      const value = spec.slice(eq + 1);
      if (kind.field === "labels" && value.includes("=")) throw new UserError(`invalid label spec: ${spec}`);
      const keyErr = labelKeyError(key);
      if (keyErr) throw new UserError(kind.field === "labels" ? keyErr : keyErr.replace("label key", "annotation key"));
      if (kind.field === "labels") {
        const valueErr = labelValueError(value);
        if (valueErr) throw new UserError(valueErr);
      }
      set.set(key, value);
    } else if (spec.endsWith("-")) {
      const key = spec.slice(0, -1);
      const keyErr = labelKeyError(key);
      if (keyErr) throw new UserError(kind.field === "labels" ? keyErr : keyErr.replace("label key", "annotation key"));
      remove.push(key);
    } else {
      throw new UserError(`unknown ${kind.noun} spec: ${spec}`);
    }
  }
  if (remove.some((k) => set.has(k))) throw new UserError(`can not both modify and remove ${kind.noun === "label" ? "a label" : "an annotation"} in the same command`);
  return { set, remove };
}

/** Overwrite refusals for one object (kubectl: only a *different* value needs --overwrite). */
export function overwriteErrors(current: Readonly<Record<string, string>>, set: ReadonlyMap<string, string>): string[] {
  const errs: string[] = [];
  for (const [k, v] of set) {
    const cur = current[k];
    if (cur !== undefined && cur !== v) errs.push(`'${k}' already has a value (${cur}), and --overwrite is false`);
  }
  return errs;
}

/** The merge patch for one map (null removes) and the map as it will be; `undefined` patch = no change. */
export function planMapUpdate(current: Readonly<Record<string, string>>, u: MetaUpdates): { patch?: Record<string, string | null>; next: Record<string, string> } {
  const patch: Record<string, string | null> = {};
  const next: Record<string, string> = { ...current };
  for (const [k, v] of u.set) {
    if (current[k] !== v) patch[k] = v;
    next[k] = v;
  }
  for (const k of u.remove) {
    if (k in current) patch[k] = null;
    delete next[k];
  }
  return { patch: Object.keys(patch).length ? patch : undefined, next };
}

interface MetaFlags {
  overwrite?: boolean;
  selector?: string;
  all?: boolean;
  resourceVersion?: string;
}


/**
 * kubectl's wording: `labeled`; `unlabeled` when (without --overwrite) the object got smaller,
 * i.e. the change was mostly removals; `not labeled` when nothing changed. annotate always says
 * `annotated`.
 */
function resultWord(kind: MetaMapVerb, before: Record<string, string>, after: Record<string, string>, changed: boolean, overwrite: boolean): string {
  if (kind.field === "annotations") return "annotated";
  if (!changed) return "not labeled";
  if (!overwrite && JSON.stringify(after).length < JSON.stringify(before).length) return "unlabeled";
  return "labeled";
}

async function run(ctx: CliContext, kind: MetaMapVerb, args: string[], flags: MetaFlags): Promise<void> {
  const { resources, updates } = splitUpdateArgs(args);
  if (resources.length === 0) throw new UserError("one or more resources must be specified as <resource> <name> or <resource>/<name>");
  if (updates.length === 0) throw new UserError(`at least one ${kind.noun} update is required`);
  const u = parseUpdates(updates, kind);
  if (flags.selector && flags.all) throw new UserError("setting 'all' parameter but found a non empty selector");
  const client = await ctx.client();
  // Every object is read before the first write, so a refusal on any one changes none.
  const targets = await findObjects(client, ctx.namespace(), resources, flags);
  if (targets.length === 0) {
    ctx.err.write(`No resources found in ${ctx.namespace()} namespace.\n`);
    return;
  }
  if (flags.resourceVersion !== undefined && targets.length > 1) throw new UserError("--resource-version may only be used with a single resource");
  // Refuse before the first write, so a refusal on the third object does not leave two changed.
  if (!flags.overwrite) {
    for (const t of targets) {
      const errs = overwriteErrors(t.obj.metadata[kind.field] ?? {}, u.set);
      if (errs.length) throw new UserError(errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`);
    }
  }
  for (const t of targets) {
    const name = t.obj.metadata.name ?? "";
    const current = t.obj.metadata[kind.field] ?? {};
    if (kind.field === "labels") {
      // kubectl prints this on stdout and carries on: removing what is not there is not an error
      for (const k of u.remove) if (!(k in current)) ctx.out.write(`label "${k}" not found.\n`);
    }
    const plan = planMapUpdate(current, u);
    if (plan.patch) {
      const resourceVersion = flags.resourceVersion ?? t.obj.metadata.resourceVersion;
      await client.patch(t.resource.kind, name, { metadata: { resourceVersion, [kind.field]: plan.patch } }, { namespace: t.obj.metadata.namespace, type: "merge" });
    }
    ctx.out.write(`${displayType(t.resource)}/${name} ${resultWord(kind, current, plan.next, plan.patch !== undefined, flags.overwrite === true)}\n`);
  }
}

function register(program: Command, ctx: CliContext, kind: MetaMapVerb, description: string): void {
  program
    .command(kind.verb)
    .description(description)
    .argument("<args...>", `TYPE NAME... | TYPE/NAME... | TYPE (with -l or --all), then KEY=VALUE... and KEY-... ${kind.noun} updates`)
    .option("--overwrite", `allow changing the value of an existing ${kind.noun}`)
    .option("-l, --selector <selector>", "update the objects matching this label selector")
    .option("--all", "update every object of the type in the namespace")
    .option("--resource-version <rv>", "only update if the object is still at this resourceVersion (a single object)")
    .action(guarded((args: string[], flags: MetaFlags) => run(ctx, kind, args, flags)));
}

/** `kctl label`: add, change (`--overwrite`) or remove (`key-`) labels. */
export const labelCommand: CommandModule = {
  register(program, ctx) {
    register(program, ctx, LABEL, "Update the labels on objects (kctl label pod/web tier=fe, app-, --overwrite, -l SEL)");
  },
};

/** `kctl annotate`: add, change (`--overwrite`) or remove (`key-`) annotations. */
export const annotateCommand: CommandModule = {
  register(program, ctx) {
    register(program, ctx, ANNOTATE, "Update the annotations on objects (kctl annotate pod/web owner=team-a, note-, --overwrite)");
  },
};
