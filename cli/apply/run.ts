/** The shared apply/create pipeline: load -> validate -> plan -> server dry run -> write -> report. */
import { displayType } from "../../lib/kinds.js";
import type { CliContext } from "../command.js";
import { loadManifests } from "../manifest/load.js";
import { isGlobalError, objectErrorLine } from "../object-errors.js";
import { dryRunAll, nameOf, perform, planApply, planCreate, type PlannedObject } from "./plan.js";

export interface ApplyRunOptions {
  files: string[];
  recursive?: boolean;
  mode: "apply" | "create";
  /** create: also store last-applied (`--save-config`) */
  saveConfig?: boolean;
  /** none: write; server: stop after the server dry run; client: stop after planning */
  dryRun: "none" | "server" | "client";
  /** `-o name` */
  outputName?: boolean;
}

const VERB: Record<PlannedObject["action"], string> = { create: "created", patch: "configured", unchanged: "unchanged" };

function writeErrors(ctx: CliContext, errors: string[]): void {
  for (const e of errors) ctx.err.write(`error: ${e}\n`);
  process.exitCode = 1;
}

/** Run apply or create. Errors about objects are printed one line each; nothing is written if any fails validation. */
export async function runApply(ctx: CliContext, o: ApplyRunOptions): Promise<void> {
  const loaded = await loadManifests(ctx, o.files, { recursive: o.recursive, allowGenerateName: o.mode === "create" });
  if (loaded.errors.length) return writeErrors(ctx, loaded.errors);
  const client = await ctx.client();
  let plan: PlannedObject[];
  if (o.mode === "apply") {
    const planned = await planApply(client, loaded.objects);
    if (planned.errors.length) return writeErrors(ctx, planned.errors);
    plan = planned.plan;
  } else plan = planCreate(loaded.objects, !!o.saveConfig);

  // The server validates every write (a dry run) before any is made: a bad third document
  // leaves the first two untouched. --dry-run=server stops after this step.
  if (o.dryRun !== "client") {
    const errors = await dryRunAll(client, plan);
    if (errors.length) return writeErrors(ctx, errors);
  }
  const suffix = o.dryRun === "server" ? " (server dry run)" : o.dryRun === "client" ? " (dry run)" : "";
  for (const p of plan) {
    if (p.warning && o.dryRun === "none") ctx.err.write(`${p.warning}\n`);
    let name = nameOf(p.v);
    if (o.dryRun === "none") {
      try {
        const result = await perform(client, p, false);
        name = result?.metadata?.name ?? name;
      } catch (e) {
        if (isGlobalError(e)) throw e;
        writeErrors(ctx, [objectErrorLine(p.v.resource, name, e)]);
        continue;
      }
    }
    const id = `${displayType(p.v.resource)}/${name}`;
    ctx.out.write(o.outputName ? `${id}\n` : `${id} ${VERB[p.action]}${suffix}\n`);
  }
}

/** Parse `--dry-run[=none|client|server]`. */
export function parseDryRun(v: string | boolean | undefined): "none" | "server" | "client" {
  if (v === undefined || v === false || v === "none") return "none";
  if (v === true || v === "client") return "client";
  if (v === "server") return "server";
  throw new Error(`Invalid dry-run value (${String(v)}). Must be "none", "server", or "client".`);
}
