/** The shared apply/create pipeline: load -> validate -> plan -> server dry run -> write -> report. */
import { displayType } from "../../lib/kinds.js";
import type { CliContext } from "../command.js";
import { loadManifests } from "../manifest/load.js";
import { isGlobalError, objectErrorLine } from "../object-errors.js";
import type { ApiClient, FieldValidation } from "../../lib/client.js";
import { dryRunAll, FIELD_MANAGERS, nameOf, perform, planApply, planCreate, type PlannedObject } from "./plan.js";
import type { ValidObject } from "../manifest/validate.js";
import type { AppliedObject } from "./wait-ready.js";
import type { ObjectOutput } from "../print-object.js";
import type { KObject } from "../../lib/types.js";
import type { ResourceInfo } from "../../lib/kinds.js";

export interface ApplyRunOptions {
  files: string[];
  recursive?: boolean;
  mode: "apply" | "create";
  /** create: also store last-applied (`--save-config`) */
  saveConfig?: boolean;
  /** none: write; server: stop after the server dry run; client: stop after planning */
  dryRun: "none" | "server" | "client";
  /** `-o name|yaml|json`: yaml and json print the resulting objects (a List when several) instead of a line each */
  output?: ObjectOutput;
  /** server-side field validation (`--validate`; default Strict, as kubectl) */
  validate?: FieldValidation;
  /** `--server-side`: send each object as a server-side apply */
  serverSide?: boolean;
  /** `--force-conflicts` (server-side only) */
  forceConflicts?: boolean;
  /** `--field-manager` (default: kubectl's names, see FIELD_MANAGERS) */
  fieldManager?: string;
}

const VERB: Record<PlannedObject["action"], string> = { create: "created", patch: "configured", unchanged: "unchanged" };

function writeErrors(ctx: CliContext, errors: string[]): void {
  for (const e of errors) ctx.err.write(`error: ${e}\n`);
  process.exitCode = 1;
}

/**
 * Run apply or create. Errors about objects are printed one line each; nothing is written if any
 * fails validation. Returns the objects written (none for a dry run).
 */
export async function runApply(ctx: CliContext, o: ApplyRunOptions): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  const loaded = await loadManifests(ctx, o.files, { recursive: o.recursive, allowGenerateName: o.mode === "create" });
  if (loaded.errors.length) {
    writeErrors(ctx, loaded.errors);
    return applied;
  }
  for (const v of loaded.objects) if (v.deprecation) ctx.err.write(`Warning: ${v.deprecation}\n`);
  const client = await ctx.client();
  client.fieldValidation = o.validate ?? "Strict";
  if (o.serverSide) return serverSideApply(ctx, client, loaded.objects, o);
  const manager = o.fieldManager ?? (o.mode === "apply" ? FIELD_MANAGERS.apply : FIELD_MANAGERS.create);
  let plan: PlannedObject[];
  if (o.mode === "apply") {
    const planned = await planApply(client, loaded.objects);
    if (planned.errors.length) {
      writeErrors(ctx, planned.errors);
      return applied;
    }
    plan = planned.plan;
  } else plan = planCreate(loaded.objects, !!o.saveConfig);

  // The server validates every write (a dry run) before any is made: a bad third document
  // leaves the first two untouched. --dry-run=server stops after this step.
  let dryRunResults = new Map<PlannedObject, KObject>();
  if (o.dryRun !== "client") {
    const { errors, results } = await quietUnless(o.dryRun === "server", client, () => dryRunAll(client, plan, manager));
    dryRunResults = results;
    if (errors.length) {
      writeErrors(ctx, errors);
      return applied;
    }
  }
  const suffix = o.dryRun === "server" ? " (server dry run)" : o.dryRun === "client" ? " (dry run)" : "";
  const shown = new Shown(o.output);
  for (const p of plan) {
    if (p.warning && o.dryRun === "none") ctx.err.write(`${p.warning}\n`);
    let name = nameOf(p.v);
    let result: KObject | undefined = o.dryRun === "server" ? dryRunResults.get(p) : o.dryRun === "client" ? (p.body ?? p.v.obj) : undefined;
    if (o.dryRun === "none") {
      try {
        result = await perform(client, p, false, manager);
        name = result?.metadata?.name ?? name;
      } catch (e) {
        if (isGlobalError(e)) throw e;
        writeErrors(ctx, [objectErrorLine(p.v.resource, name, e)]);
        continue;
      }
    }
    const id = `${displayType(p.v.resource)}/${name}`;
    shown.add(ctx, id, `${id} ${VERB[p.action]}${suffix}`, result ?? p.live ?? p.v.obj, p.v.resource);
    if (o.dryRun === "none") applied.push({ kind: p.v.resource.kind, name, namespace: p.v.namespace, id });
  }
  await shown.flush(ctx);
  return applied;
}

/**
 * What apply/create print per object: a line as each is written (`kind/name created`, or only
 * `kind/name` for `-o name`), or, for `-o yaml|json`, the resulting objects once all are done.
 */
class Shown {
  private readonly objects: { obj: KObject; r: ResourceInfo }[] = [];
  constructor(private readonly output: ObjectOutput | undefined) {}

  add(ctx: CliContext, id: string, line: string, obj: KObject, r: ResourceInfo): void {
    if (this.output === "yaml" || this.output === "json") this.objects.push({ obj, r });
    else ctx.out.write(`${this.output === "name" ? id : line}\n`);
  }

  async flush(ctx: CliContext): Promise<void> {
    if (this.output !== "yaml" && this.output !== "json") return;
    const { printObjects } = await import("../print-object.js");
    await printObjects(ctx.out, this.objects, this.output);
  }
}

/** Run `f` with the client's warnings silenced unless `speak` (a dry run before the real writes would print each twice). */
async function quietUnless<T>(speak: boolean, client: ApiClient, f: () => Promise<T>): Promise<T> {
  if (speak) return f();
  const saved = client.onWarning;
  client.onWarning = undefined;
  try {
    return await f();
  } finally {
    client.onWarning = saved;
  }
}

/**
 * `apply --server-side`: every object is applied as a dry run first (nothing is written if one
 * fails), then for real; conflicts name the other managers and fields, as the server words them.
 */
async function serverSideApply(ctx: CliContext, client: ApiClient, objects: ValidObject[], o: ApplyRunOptions): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  const shown = new Shown(o.output);
  if (o.dryRun === "client") {
    for (const v of objects) shown.add(ctx, `${displayType(v.resource)}/${nameOf(v)}`, `${displayType(v.resource)}/${nameOf(v)} serverside-applied (dry run)`, v.obj, v.resource);
    await shown.flush(ctx);
    return applied;
  }
  const opts = (dryRun: boolean, v: ValidObject) => ({ fieldManager: o.fieldManager ?? FIELD_MANAGERS.serverSide, force: o.forceConflicts, dryRun, namespace: v.namespace });
  const errors: string[] = [];
  const dryRunResults = new Map<ValidObject, KObject>();
  await quietUnless(o.dryRun === "server", client, async () => {
    for (const v of objects) {
      try {
        dryRunResults.set(v, await client.apply(v.obj, opts(true, v)));
      } catch (e) {
        if (isGlobalError(e)) throw e;
        errors.push(objectErrorLine(v.resource, nameOf(v), e));
      }
    }
  });
  if (errors.length) {
    writeErrors(ctx, errors);
    return applied;
  }
  for (const v of objects) {
    const id = `${displayType(v.resource)}/${nameOf(v)}`;
    let result = dryRunResults.get(v);
    if (o.dryRun === "none") {
      try {
        result = await client.apply(v.obj, opts(false, v));
      } catch (e) {
        if (isGlobalError(e)) throw e;
        writeErrors(ctx, [objectErrorLine(v.resource, nameOf(v), e)]);
        continue;
      }
    }
    shown.add(ctx, id, `${id} serverside-applied${o.dryRun === "server" ? " (server dry run)" : ""}`, result ?? v.obj, v.resource);
    if (o.dryRun === "none") applied.push({ kind: v.resource.kind, name: nameOf(v), namespace: v.namespace, id });
  }
  await shown.flush(ctx);
  return applied;
}

/** Parse `--validate` as kubectl does: strict (true), warn, ignore (false). */
export function parseValidate(v: string | boolean | undefined): FieldValidation {
  if (v === undefined || v === true || v === "true" || v === "strict") return "Strict";
  if (v === "warn") return "Warn";
  if (v === false || v === "false" || v === "ignore") return "Ignore";
  throw new Error(`invalid - validate option "${String(v)}"; must be one of: strict (true), warn, ignore (false)`);
}

/** Parse `--dry-run[=none|client|server]`. */
export function parseDryRun(v: string | boolean | undefined): "none" | "server" | "client" {
  if (v === undefined || v === false || v === "none") return "none";
  if (v === true || v === "client") return "client";
  if (v === "server") return "server";
  throw new Error(`Invalid dry-run value (${String(v)}). Must be "none", "server", or "client".`);
}
